import type { BringupSection } from "./bringupAnalysis";
import { bytes, count, millis, ratio, seconds } from "./format";
import { headline } from "./headline";
import type { PgbenchPoint } from "./pgbenchRun";
import type { Workload } from "./pgbenchArgs";
import type { BenchResults, ReplicationMode } from "./results";
import { CATEGORY_NAMES, type Category } from "./timeBreakdown";

// The headline figures, one row each: printed at the end of a run and at the top of the report.
// Comparisons are pairs from the same run, shown with their ratio.

export type SummaryRow = [figure: string, value: string];

export function pointOf(points: readonly PgbenchPoint[], target: PgbenchPoint["target"], workload: Workload, clients: number): PgbenchPoint | undefined {
  return points.find((p) => p.target === target && p.workload === workload && p.clients === clients && !p.connectPerTransaction);
}

const tps = (p: PgbenchPoint | undefined) => (p?.ok && p.tps !== undefined ? `${count(p.tps)} tps` : p ? `failed (${p.error ?? "no result"})` : "not run");

function pairRow(label: string, direct: PgbenchPoint | undefined, bouncer: PgbenchPoint | undefined): SummaryRow {
  const both = direct?.ok && bouncer?.ok;
  return [label, `PgBouncer ${tps(bouncer)} vs direct ${tps(direct)}${both ? ` (${ratio(bouncer!.tps, direct!.tps)})` : ""}`];
}

function worstReplica(mode: ReplicationMode | undefined) {
  if (!mode || mode.replicas.length === 0) return undefined;
  return [...mode.replicas].sort((a, b) => (b.bytes?.p99 ?? 0) - (a.bytes?.p99 ?? 0))[0];
}

const verdict = (met: boolean | undefined) => (met === undefined ? "" : met ? "met" : "missed");

/** The bring-up's medians against the targets, and where the time to streaming went. */
export function bringupRows(b: BringupSection, engineLabel: string): SummaryRow[] {
  const m = b.medians;
  const [streaming, whole, noop] = b.targets;
  const n = b.rounds.length;
  const rows: SummaryRow[] = [
    ["Bring-up engine", `${engineLabel}; medians of ${n} round${n === 1 ? "" : "s"}`],
    ["Floor: by hand, both replicas streaming", seconds(m.floorMs, 2)],
    [
      "Fresh deploy → streaming verified",
      `${seconds(m.streamingMs, 2)} = ${m.streamingRatio !== undefined ? `×${m.streamingRatio.toFixed(2)}` : "–"} the floor (target ≤ ×${streaming.limit}${streaming.met !== undefined ? `, ${verdict(streaming.met)}` : ""}${streaming.note ? `; ${streaming.note}` : ""})`,
    ],
    [
      "Whole deploy (PgBouncer and backup healthy)",
      `${seconds(m.wholeMs, 2)} = ${m.wholeRatio !== undefined ? `×${m.wholeRatio.toFixed(2)}` : "–"} the floor (target ≤ ×${whole.limit}${whole.met !== undefined ? `, ${verdict(whole.met)}` : ""}${whole.note ? `; ${whole.note}` : ""})`,
    ],
    [noop.figure.replace(/^u/, "U"), `${seconds(m.noopMs, 2)} (target ≤ ${seconds(noop.limit, 1)}${noop.met !== undefined ? `, ${verdict(noop.met)}` : ""})`],
  ];
  const top = (Object.entries(m.streamingCategories) as [Category, number | undefined][])
    .filter((e): e is [Category, number] => e[1] !== undefined && e[1] > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4);
  if (top.length > 0) rows.push(["Critical path to streaming: the most time", top.map(([c, ms]) => `${CATEGORY_NAMES[c].split(" (")[0]} ${seconds(ms, 1)}`).join(", ")]);
  return rows;
}

export function summaryRows(r: BenchResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const fresh = r.deploy.fresh;
  if (r.bringup) rows.push(...bringupRows(r.bringup, r.engine === "pulumi" ? `the real Pulumi CLI${r.engineVersion ? ` ${r.engineVersion}` : ""}` : "the e2e harness"));
  else if (fresh) rows.push(["Fresh deploy → streaming verified", fresh.ok ? `${seconds(fresh.streamingVerifiedMs)} (whole deploy ${seconds(fresh.totalMs)})` : `failed: ${headline(fresh.error ?? "")}`]);
  if (r.deploy.noop && !r.bringup) rows.push(["Unchanged redeploy", r.deploy.noop.ok ? seconds(r.deploy.noop.totalMs) : `failed: ${headline(r.deploy.noop.error ?? "")}`]);

  const pb = r.pgbouncer;
  if (pb) {
    const clients = [...new Set(pb.points.map((p) => p.clients))].sort((a, b) => a - b);
    const [least, most] = [clients[0], clients[clients.length - 1]];
    for (const workload of ["select-only", "tpcb"] as const) {
      const name = workload === "select-only" ? "Read-only" : "TPC-B";
      rows.push(pairRow(`${name}, ${least} clients`, pointOf(pb.points, "direct", workload, least), pointOf(pb.points, "pgbouncer", workload, least)));
      if (most !== least) rows.push(pairRow(`${name}, ${most} clients`, pointOf(pb.points, "direct", workload, most), pointOf(pb.points, "pgbouncer", workload, most)));
    }
    const [cd, cb] = [pb.connectPerTransaction.find((p) => p.target === "direct"), pb.connectPerTransaction.find((p) => p.target === "pgbouncer")];
    if (cd || cb) rows.push(pairRow(`New connection per transaction, ${cd?.clients ?? cb?.clients} clients`, cd, cb));
  }

  const modes = r.replication?.modes ?? [];
  const sync = modes.find((m) => m.mode === "sync");
  const async = modes.find((m) => m.mode === "async");
  if (sync?.commitLatency?.latencyMs || async?.commitLatency?.latencyMs) {
    const [s, a] = [sync?.commitLatency?.latencyMs, async?.commitLatency?.latencyMs];
    rows.push(["1-client TPC-B latency p50, sync vs async", `${millis(s?.p50)} vs ${millis(a?.p50)} (${ratio(s?.p50, a?.p50)})`]);
  }
  for (const m of [sync, async]) {
    const worst = worstReplica(m);
    if (m && worst) {
      rows.push([
        `Replay lag p99 under ${count(m.writeLoad?.tps)} tps, ${m.mode}`,
        `${bytes(worst.bytes?.p99)} / ${millis((worst.seconds?.p99 ?? NaN) * 1000)} (${worst.name}, the worse replica)`,
      ]);
    }
  }

  const b = r.backups;
  if (b?.dump) rows.push(["Dump of the app database (verified)", b.dump.ok ? `${bytes(b.dump.bytes)} in ${seconds(b.dump.wallMs)}` : `failed: ${b.dump.error}`]);
  if (b?.base) rows.push(["Base backup (verified, gzip)", b.base.ok ? `${bytes(b.base.bytes)} in ${seconds(b.base.wallMs)}` : `failed: ${b.base.error}`]);
  if (b?.drill) rows.push(["Restore drill (dump + base backup, checked)", b.drill.ok ? seconds(b.drill.wallMs) : `failed: ${b.drill.error}`]);
  for (const run of r.restores) {
    const label = run.kind === "pitr" ? "Point-in-time restore → streaming verified" : run.kind === "pitr-latest" ? "Restore to end of archive → streaming verified" : "Restore from dump → cluster ready";
    const time = run.kind === "dump" ? run.deploy?.totalMs : run.deploy?.streamingVerifiedMs;
    rows.push([label, run.ok ? seconds(time) : `FAILED: ${headline(run.error ?? "")}`]);
  }
  return rows;
}

/** Rows as an aligned two-column text table for the terminal. */
export function renderConsoleTable(rows: readonly SummaryRow[]): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}
