import { bringupSectionMarkdown, engineDescription } from "./bringupReport";
import type { DeployFigures } from "./deployFigures";
import { bytes, count, millis, ratio, seconds } from "./format";
import { headline } from "./headline";
import { codeBlock, table } from "./markdown";
import { OPTION_VARIABLES } from "./options";
import type { Workload } from "./pgbenchArgs";
import type { PgbenchPoint } from "./pgbenchRun";
import type { BenchResults, RestoreRun } from "./results";
import { pointOf, summaryRows } from "./summary";

// bench/REPORT.md: every figure of a run, the chart, and what could not be measured, rendered from
// results.json alone (so an old run's report can be rendered again).

const WORKLOAD_NAMES: Record<Workload, string> = { "select-only": "read-only", tpcb: "TPC-B" };

function setup(r: BenchResults): string {
  const e = r.environment;
  const o = r.options;
  const full = r.mode === "full";
  const bullets = [
    e
      ? `- Host: ${e.cpus} CPUs, ${e.memoryGiB} GiB, Linux ${e.kernel}, Docker ${e.docker}, Node ${e.node}. Image \`${e.image}\`${e.postgres ? `: ${e.postgres}, PgBouncer ${e.pgbouncer}` : ""}.`
      : "- Host: not recorded.",
    `- Engine: ${engineDescription(r.engine, r.engineVersion)}.`,
    "- Shape: `Pulumi.production.yaml` on this Docker engine: primary + 2 replicas, `syncReplicas` 1, 2 GiB and 2 CPUs per member, PgBouncer in transaction mode with a pool of 20, protected volumes. Only host ports and backup schedules differ (moved 12 hours away so no scheduled dump runs during the measurements).",
    !full
      ? undefined
      : r.database
      ? `- Data: pgbench scale ${r.database.scale} (${count(r.database.scale * 100_000)} accounts): the app database is ${bytes(r.database.sizeBytes)}; \`pgbench -i\` took ${seconds(r.database.initMs)}.`
      : "- Data: not loaded.",
    full
      ? `- pgbench 17 runs in a container on the stack's network, ${o.durationS} s per point, simple query protocol, threads = min(clients, 8). Lag: ${o.lagClients}-client TPC-B for ${o.lagDurationS} s per mode, pg_stat_replication sampled every ${o.sampleIntervalMs} ms.`
      : undefined,
    "- Every container (three PostgreSQL members, PgBouncer, backup, the pgbench client) shares the same CPUs: read the figures as comparisons measured side by side in one run, not as capacity.",
    r.neighbours.length === 0
      ? "- No other container ran on this Docker engine during the run."
      : `- Other containers ran on this Docker engine during the run and shared its CPUs (checked every 10 s): ${r.neighbours.join(", ")}. Absolute figures may be lower and noisier than on an idle host.`,
  ];
  const run = `Run ${r.startedAt} (${seconds(r.wallClockMs, 0)} in all) with \`npm run ${full ? "bench" : "bench:bringup"}\`${full ? "" : " (the bring-up phase alone)"}.`;
  return [run, "", ...bullets.filter((b): b is string => b !== undefined)].join("\n");
}

function deployRow(d: DeployFigures | undefined, what: string): string[] {
  if (!d) return [what, "not run", "", "", "", "", ""];
  const ops = Object.entries(d.ops).map(([op, n]) => `${n} ${op}`).join(", ");
  return [what, d.ok ? "ok" : `failed: ${headline(d.error ?? "")}`, seconds(d.primaryReadyMs), seconds(d.replicasReadyMs), seconds(d.streamingVerifiedMs), seconds(d.totalMs), ops];
}

function deploySection(r: BenchResults): string {
  const rows = [deployRow(r.deploy.fresh, "fresh (nothing → production shape)"), deployRow(r.deploy.noop, "unchanged redeploy")];
  if (r.replication?.switchDeploy) rows.push(deployRow(r.replication.switchDeploy, "syncReplicas 1 → 0 (live setting)"));
  const slowest = r.deploy.fresh?.slowest.map((s) => `${s.name} ${seconds(s.durationMs)}`).join(", ");
  return [
    r.bringup ? "### Deploys of the measured stack" : "## 1. Bring-up",
    "",
    "Times from the start of the deploy command: when the primary container was healthy, when the last replica was, when the streaming check (every replica streaming through its slot and replaying a marker written on the primary) passed, and when the whole deploy (PgBouncer and the backup container too) ended.",
    "",
    table(["deploy", "result", "primary ready", "replicas ready", "streaming verified", "whole deploy", "steps"], rows),
    "",
    slowest ? `Longest steps of the fresh deploy: ${slowest}.` : "",
    r.replication?.restartedBySwitch
      ? `Containers restarted by the syncReplicas change: ${r.replication.restartedBySwitch.length === 0 ? "none" : r.replication.restartedBySwitch.join(", ")}.`
      : "",
  ].filter((l, i, a) => l !== "" || a[i - 1] !== "").join("\n");
}

const pointCells = (p: PgbenchPoint | undefined) =>
  !p ? ["not run", ""] : p.ok || p.tps !== undefined ? [count(p.tps), millis(p.latencyAvgMs)] : [`failed: ${p.error ?? "no result"}`, "–"];

/** What PgBouncer costs and buys, read off the pairs: bullets generated from the figures. */
export function pgbouncerReading(pb: NonNullable<BenchResults["pgbouncer"]>): string[] {
  const clients = [...new Set(pb.points.map((p) => p.clients))].sort((a, b) => a - b);
  const pair = (w: Workload, c: number) => [pointOf(pb.points, "direct", w, c), pointOf(pb.points, "pgbouncer", w, c)] as const;
  const bullets: string[] = [];
  const both = clients.filter((c) => (["select-only", "tpcb"] as const).every((w) => pair(w, c).every((p) => p?.ok)));
  if (both.length > 0) {
    const c = both[0];
    const [ro, tpcb] = [pair("select-only", c), pair("tpcb", c)];
    bullets.push(`Cost: at ${c} clients PgBouncer delivers ${ratio(ro[1]!.tps, ro[0]!.tps)} of direct read-only throughput and ${ratio(tpcb[1]!.tps, tpcb[0]!.tps)} of TPC-B (one more hop per query, through a process sharing the same CPUs).`);
  }
  const beyond = clients.filter((c) => (["select-only", "tpcb"] as const).some((w) => { const [d, b] = pair(w, c); return d && !d.ok && b?.ok; }));
  if (beyond.length > 0) {
    const served = (w: Workload) => beyond.map((c) => count(pair(w, c)[1]?.tps)).join(" and ");
    bullets.push(`Buys: with ${beyond.join(" and ")} clients direct connections are refused (max_connections ${pb.maxConnections}) while PgBouncer serves every client over ${pb.poolSize} server connections: ${served("select-only")} tps read-only, ${served("tpcb")} tps TPC-B.`);
  }
  const [cd, cb] = [pb.connectPerTransaction.find((p) => p.target === "direct"), pb.connectPerTransaction.find((p) => p.target === "pgbouncer")];
  if (cd?.ok && cb?.ok) bullets.push(`Buys: with a new connection per transaction PgBouncer delivers ${ratio(cb.tps, cd.tps)} of direct throughput (average connection ${millis(cb.averageConnectionMs)} vs ${millis(cd.averageConnectionMs)}).`);
  return bullets;
}

function pgbouncerSection(r: BenchResults, chartFile: string): string {
  const pb = r.pgbouncer;
  if (!pb) return "## 2. PgBouncer vs direct connections\n\nNot measured (see Problems).";
  const clients = [...new Set(pb.points.map((p) => p.clients))].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const workload of ["select-only", "tpcb"] as const) {
    for (const c of clients) {
      const [d, b] = [pointOf(pb.points, "direct", workload, c), pointOf(pb.points, "pgbouncer", workload, c)];
      rows.push([WORKLOAD_NAMES[workload], String(c), ...pointCells(d), ...pointCells(b), d?.ok && b?.ok ? ratio(b.tps, d.tps) : "–", millis(b?.initialConnectionMs)]);
    }
  }
  const reconnect = pb.connectPerTransaction.map((p) => [p.target === "direct" ? "direct" : "PgBouncer", String(p.clients), ...pointCells(p), millis(p.averageConnectionMs)]);
  return [
    "## 2. PgBouncer vs direct connections",
    "",
    `Each pair ran back to back against the same primary (PgBouncer's \`app\` database points at it), direct first. The primary accepts ${pb.maxConnections} connections (\`max_connections\`); PgBouncer (${pb.poolMode} mode) multiplexes its clients over ${pb.poolSize} server connections. Latency is pgbench's average per transaction.`,
    "",
    `![TPS against clients, direct vs PgBouncer](${chartFile})`,
    "",
    ...pgbouncerReading(pb).map((b) => `- ${b}`),
    "",
    table(["workload", "clients", "direct tps", "direct latency", "PgBouncer tps", "PgBouncer latency", "PgBouncer / direct", "PgBouncer: connecting all clients"], rows),
    "",
    "With a new connection for every transaction (`pgbench -C`, read-only): every connection pays the SCRAM handshake; through PgBouncer it does not fork a server process.",
    "",
    table(["path", "clients", "tps", "latency", "average connection time"], reconnect),
  ].join("\n");
}

function replicationSection(r: BenchResults): string {
  const rep = r.replication;
  if (!rep || rep.modes.length === 0) return "## 3. Replication lag and synchronous commit\n\nNot measured (see Problems).";
  const lagRows = rep.modes.flatMap((m) =>
    m.replicas.map((rep) => [
      m.mode,
      rep.name,
      rep.syncStates.join(", "),
      count(m.writeLoad?.tps),
      String(rep.samples),
      `${bytes(rep.bytes?.p50)} / ${bytes(rep.bytes?.p99)} / ${bytes(rep.bytes?.max)}`,
      `${millis((rep.seconds?.p50 ?? NaN) * 1000)} / ${millis((rep.seconds?.p99 ?? NaN) * 1000)} / ${millis((rep.seconds?.max ?? NaN) * 1000)}`,
    ]),
  );
  const latencyRows = rep.modes.map((m) => {
    const l = m.commitLatency?.latencyMs;
    return [m.mode, `'${m.synchronousStandbyNames}'`, count(m.commitLatency?.point.tps), String(l?.count ?? "–"), millis(l?.p50), millis(l?.p99), millis(l?.max), millis(l?.mean)];
  });
  const [sync, async] = [rep.modes.find((m) => m.mode === "sync"), rep.modes.find((m) => m.mode === "async")];
  const [s, a] = [sync?.commitLatency?.latencyMs, async?.commitLatency?.latencyMs];
  const cost = s && a ? `Synchronous commit adds ${millis(s.p50 - a.p50)} at p50 (${ratio(s.p50, a.p50)}) and ${millis(s.p99 - a.p99)} at p99 to a one-client TPC-B transaction; under the ${r.options.lagClients}-client load it delivers ${ratio(sync?.writeLoad?.tps, async?.writeLoad?.tps)} of the asynchronous throughput.` : "";
  return [
    "## 3. Replication lag and synchronous commit",
    "",
    "Measured as deployed (`syncReplicas` 1: `ANY 1` of the replicas confirms each commit), then after a redeploy with `syncReplicas` 0, in the same run. Lag is sampled on the primary from `pg_stat_replication`: bytes = `pg_current_wal_lsn() - replay_lsn`, seconds = `replay_lag` (samples where PostgreSQL reports none are left out of the seconds).",
    "",
    table(["mode", "replica", "sync_state", "write load tps", "samples", "replay lag bytes p50 / p99 / max", "replay lag p50 / p99 / max"], lagRows),
    "",
    "Commit latency, one client, TPC-B (each transaction's latency from pgbench's log):",
    "",
    table(["mode", "synchronous_standby_names", "tps", "transactions", "p50", "p99", "max", "mean"], latencyRows),
    "",
    cost,
  ].join("\n");
}

function restoreRow(run: RestoreRun): string[] {
  const target = run.restore.targetTime ?? (run.restore.dump ? `dump ${run.restore.dump}` : "end of the archive");
  const kind = { pitr: "base backup + WAL to a time", "pitr-latest": "base backup + all archived WAL", dump: "logical (pg_restore)" }[run.kind];
  return [
    kind,
    target,
    run.ok ? "ok" : "FAILED",
    seconds(run.deploy?.streamingVerifiedMs),
    seconds(run.deploy?.totalMs),
    run.restoreStep ? `${run.restoreStep.name} ${seconds(run.restoreStep.durationMs)}` : "–",
    run.recoveryS !== undefined ? `${run.recoveryS} s` : "–",
    bytes(run.walBytes),
    run.verification ?? headline(run.error ?? ""),
  ];
}

function backupSection(r: BenchResults): string {
  const b = r.backups;
  const rows = [
    ["dump (backup-dumps.sh)", b?.dump],
    ["base backup (backup-base.sh)", b?.base],
    ["restore drill (backup-drill.sh)", b?.drill],
  ].map(([name, run]) => {
    const x = run as NonNullable<typeof b>["dump"];
    return [name as string, x ? (x.ok ? "ok" : `failed: ${x.error ?? ""}`) : "not run", seconds(x?.wallMs), seconds(x?.loggedMs), bytes(x?.bytes), x?.detail ?? ""];
  });
  const failures = r.restores.filter((run) => !run.ok && run.logs);
  return [
    "## 4. Backup and restore",
    "",
    r.database ? `The app database holds ${bytes(r.database.sizeBytes)} (pgbench scale ${r.database.scale}). Jobs run by hand in the backup container, as an operator would; "logged" is the duration the script wrote to \`log/backups.log\`.` : "",
    "",
    table(["job", "result", "wall time", "logged", "size", "what"], rows),
    "",
    "Restores into a new stack (production shape, its own ports) from the bench stack's backup volume, timed by the deploy that does them; the restore stack is removed after each.",
    "",
    r.restores.length > 0
      ? table(["restore", "target", "result", "streaming verified", "whole deploy", "restore step", "recovery (log)", "WAL since base backup", "checked"], r.restores.map(restoreRow))
      : "Not run.",
    "",
    "A point-in-time restore recovers the primary from the base backup and WAL before the replicas are cloned from it, so its streaming check covers the restored data. A dump restore seeds the database after the replicas are cloned (they receive the data by streaming): its cluster is ready when the whole deploy ends.",
    ...failures.flatMap((run) => [
      "",
      `### ${run.kind}: what failed`,
      "",
      "The deploy's error:",
      "",
      codeBlock(run.error ?? ""),
      "",
      ...Object.entries(run.logs ?? {}).flatMap(([name, lines]) => [`Last log lines of ${name}:`, "", codeBlock(lines.join("\n")), ""]),
    ]),
  ].join("\n");
}

export function renderReport(r: BenchResults, chartFile = "tps.svg"): string {
  const env = Object.entries(OPTION_VARIABLES).map(([k, v]) => `- \`${k}\`: ${v}`);
  const full = r.mode === "full";
  const bringup = r.bringup ? bringupSectionMarkdown(r.bringup, { version: r.engineVersion, keptForLater: full }) : "";
  return [
    "# pgstack benchmark",
    "",
    setup(r),
    "",
    "## Summary",
    "",
    table(["figure", "value"], summaryRows(r)),
    "",
    ...(full
      ? [bringup ? `${bringup}\n\n${deploySection(r)}` : deploySection(r), "", pgbouncerSection(r, chartFile), "", replicationSection(r), "", backupSection(r), ""]
      : [bringup || bringupSectionMarkdown(undefined, { keptForLater: false }), ""]),
    "## Problems and what was not measured",
    "",
    r.problems.length > 0 ? r.problems.map((p) => `- ${headline(p, 400)}`).join("\n") : "None: every part was measured.",
    "",
    "## Reproduce",
    "",
    "`npm run bench` (needs Docker; builds the local images when missing), or `npm run bench:bringup` for the bring-up phase alone (a few minutes). It deploys with the real Pulumi CLI when one answers on PATH and with the e2e harness otherwise; `PGSTACK_BENCH_ENGINE=pulumi|harness` (or the e2e suite's `PGSTACK_E2E_ENGINE`) forces one. Results go to `bench/results/<run>/` (`results.json`, `REPORT.md`, `tps.svg`); a complete `npm run bench` also writes the latest report to `bench/REPORT.md` and `bench/tps.svg`. Settings:",
    "",
    ...env,
    "",
  ].join("\n");
}
