import { medianRound, roundRatios, type BringupRound, type BringupSection, type PathReport, type Target } from "./bringupAnalysis";
import type { PathLink } from "./criticalPath";
import { seconds } from "./format";
import { headline } from "./headline";
import { table } from "./markdown";
import { CATEGORIES, CATEGORY_NAMES, type Category } from "./timeBreakdown";

// The report's "Bring-up" section: the floor and pgstack side by side, the ratios against the
// issue's targets, the critical paths and where their time went.

const s2 = (ms: number | undefined) => seconds(ms, 2);
const times = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "–" : `×${v.toFixed(2)}`);

export function engineDescription(engine: BringupSection["engine"], version?: string): string {
  return engine === "pulumi"
    ? `the real Pulumi CLI${version ? ` ${version}` : ""} (Automation API, local file backend, \`PULUMI_NODEJS_TRANSPILE_ONLY=true\` as the e2e suite runs it)`
    : "the e2e harness (the compiled program under Pulumi's mocks, creating everything for real; no Pulumi CLI)";
}

function targetRow(t: Target): string[] {
  const value = t.unit === "ratio" ? times(t.value) : s2(t.value);
  const limit = t.unit === "ratio" ? `≤ ×${t.limit}` : `≤ ${seconds(t.limit, 1)}`;
  const verdict = t.met === undefined ? "not measured" : t.met ? "met" : "missed";
  return [t.figure, value, limit, t.note ? `${verdict} (${t.note})` : verdict];
}

function roundRow(r: BringupRound, engineColumn: boolean): string[] {
  const ratios = roundRatios(r);
  const f = r.fresh;
  const failed = r.error ? `failed: ${headline(r.error, 160)}` : "";
  return [
    String(r.round),
    r.floor.ok ? s2(r.floor.totalMs) : `failed: ${headline(r.floor.error ?? "", 120)}`,
    f?.ok ? s2(f.streamingVerifiedMs) : failed || "–",
    times(ratios.streaming),
    f?.ok ? s2(f.totalMs) : "–",
    times(ratios.whole),
    r.noop?.ok ? s2(r.noop.totalMs) : r.noop ? "failed" : "–",
    ...(engineColumn ? [[f?.cliDurationMs !== undefined ? `CLI "Duration" ${seconds(f.cliDurationMs, 0)}` : "", f?.wallMs !== undefined ? `with reading outputs ${s2(f.wallMs)}` : ""].filter(Boolean).join("; ")] : []),
  ];
}

function floorTable(r: BringupRound): string {
  const rows = r.floor.steps.map((s) => [s.name, s2(s.startMs), s2(s.endMs), s2(s.endMs - s.startMs)]);
  rows.push(["both replicas streaming", "", s2(r.floor.totalMs), ""]);
  return table(["step", "started", "ended", "took"], rows);
}

function milestoneRow(r: BringupRound): string[] {
  const f = r.fresh;
  if (!f) return [String(r.round), "not deployed", "", "", "", "", ""];
  const ops = Object.entries(f.ops).map(([op, n]) => `${n} ${op}`).join(", ");
  return [String(r.round), s2(f.primaryReadyMs), s2(f.replicasReadyMs), s2(f.streamingVerifiedMs), s2(f.lastStepEndMs), s2(f.totalMs), ops];
}

function pathTable(p: PathReport): string {
  const names = new Map(p.links.map((l) => [l.urn, l.name]));
  const rows = p.links.map((l: PathLink, i) => [String(i + 1), l.name, l.op, l.waitedFor ? (names.get(l.waitedFor) ?? l.waitedFor) : "(the deploy's start)", s2(l.gapMs), s2(l.startMs), s2(l.endMs), s2(l.endMs - l.startMs)]);
  return table(["#", "step", "op", "waited last for", "gap before (engine)", "started", "ended", "took"], rows);
}

function segmentTable(p: PathReport): string {
  const rows = p.breakdown.segments.map((s) => [s2(s.fromMs), s2(s.toMs), s2(s.toMs - s.fromMs), CATEGORY_NAMES[s.category].split(" (")[0], s.what]);
  return table(["from", "to", "took", "category", "what"], rows);
}

function categoryTable(section: BringupSection, round: BringupRound | undefined): string {
  const m = section.medians;
  const share = (v: number | undefined, total: number | undefined) => (v === undefined || !total ? "" : ` (${Math.round((v / total) * 100)} %)`);
  const sum = (c: Partial<Record<Category, number>>) => CATEGORIES.reduce((a, k) => a + (c[k] ?? 0), 0);
  const [st, wt] = [sum(m.streamingCategories), sum(m.wholeCategories)];
  const rows = CATEGORIES.map((c) => [
    CATEGORY_NAMES[c],
    `${s2(m.streamingCategories[c])}${share(m.streamingCategories[c], st)}`,
    `${s2(m.wholeCategories[c])}${share(m.wholeCategories[c], wt)}`,
    round?.streamingPath ? s2(round.streamingPath.breakdown.totals[c]) : "–",
  ]);
  return table(["where the time went, on the critical path", "to streaming verified (median)", "whole deploy (median)", `to streaming verified, round ${round?.round ?? "–"}`], rows);
}

function containerTable(r: BringupRound): string {
  const rows = Object.entries(r.containers ?? {}).map(([name, t]) => [
    name,
    s2(t.createdMs),
    s2(t.startedMs),
    t.serverStartMs !== undefined && t.bootstrapMs !== undefined ? `${s2(t.bootstrapMs)} → ${s2(t.serverStartMs)}` : "–",
    s2(t.readyMs),
    t.passingCheckStartMs !== undefined ? `${s2(t.passingCheckStartMs)}${t.failedChecks ? ` (after ${t.failedChecks} failed)` : ""}` : "–",
    s2(t.firstHealthyMs),
    t.readyMs !== undefined && t.firstHealthyMs !== undefined ? s2(t.firstHealthyMs - t.readyMs) : "–",
  ]);
  return table(["container", "created", "started", "bootstrap (initdb / clone)", "logged ready", "passing healthcheck ran", "Docker: healthy", "ready → healthy"], rows);
}

export function bringupSectionMarkdown(b: BringupSection | undefined, opts: { version?: string; keptForLater: boolean }): string {
  if (!b) return "## 1. Bring-up\n\nNot measured (see Problems).";
  const m = b.medians;
  const med = medianRound(b.rounds);
  const resources = b.rounds.find((r) => r.resources)?.resources;
  const real = b.engine === "pulumi";
  const lines = [
    "## 1. Bring-up",
    "",
    `Deployed by ${engineDescription(b.engine, opts.version)}. ${b.rounds.length} round(s) of ${b.roundsAsked} asked (\`PGSTACK_BENCH_BRINGUP_ROUNDS\`), each: the floor, then a fresh deploy of the production shape (stack \`bench\`), then an unchanged redeploy, then everything removed${opts.keptForLater ? " (the last round's stack is kept: it is the one the later sections measure)" : ""}. Ratios are each round's deploy over the same round's floor; the summary takes the median of the rounds.`,
    "",
    "The floor is the same bring-up by hand, with the docker CLI and the same image: a network, a primary that runs initdb (data checksums) and starts PostgreSQL (trust on the private network), two physical slots created with `pg_create_physical_replication_slot(name, true)`, two replicas that each `pg_basebackup -R -S <slot> -X stream -c fast` and start; polled every 50 ms until the primary's `pg_stat_replication` shows both streaming. pgstack's \"streaming verified\" is later by design: its check also writes a marker and waits until every replica replayed it.",
    "",
    "### Against the targets",
    "",
    table(["figure", "median", "target", "result"], b.targets.map(targetRow)),
    "",
    resources
      ? `The stack has ${resources.total} resources (${resources.custom} with a step of their own, ${resources.components} components)${resources.engineCount !== undefined ? `; the CLI's summary counted ${resources.engineCount}` : ""}.`
      : "",
    "",
    "### Round by round",
    "",
    table(
      ["round", "floor", "streaming verified", "÷ floor", "whole deploy", "÷ floor", "unchanged deploy", ...(real ? ["the CLI's own figures (fresh deploy)"] : [])],
      [...b.rounds.map((r) => roundRow(r, real)), ["median", s2(m.floorMs), s2(m.streamingMs), times(m.streamingRatio), s2(m.wholeMs), times(m.wholeRatio), s2(m.noopMs), ...(real ? [""] : [])]],
    ),
    "",
    real
      ? "\"Whole deploy\" is `pulumi up` from its start to the engine's last event (PgBouncer and the backup container healthy, the backup catalog read); the Automation API then reads the outputs and the history, shown apart with the CLI's own \"Duration\" line."
      : "\"Whole deploy\" is the harness's deploy command from its start to its exit (PgBouncer and the backup container healthy, the backup catalog read).",
    "",
    "### pgstack's milestones",
    "",
    "From the start of the deploy command: the primary healthy (its ContainerHealth step ended), the last replica healthy, the streaming check passed, the last step ended, the command ended.",
    "",
    table(["round", "primary healthy", "replicas healthy", "streaming verified", "last step ended", "whole deploy", "steps"], b.rounds.map(milestoneRow)),
  ];
  if (med) {
    lines.push(
      "",
      `### The floor, step by step (round ${med.round})`,
      "",
      floorTable(med),
      "",
      `### Where the time went`,
      "",
      "Along each critical path, from the deploy's start. From a container's start to the end of its ContainerHealth step the time is read off the container itself: its process starting (initdb or the clone, then PostgreSQL) until it logged that it was ready (`docker logs --timestamps`), then until a healthcheck ran and passed (Docker's events), then until ContainerHealth's poll (every 250 ms) saw it. Elsewhere the step's kind decides, and time between steps is engine overhead.",
      "",
      categoryTable(b, med),
      "",
      `Each container in round ${med.round}, in seconds from the deploy's start:`,
      "",
      containerTable(med),
    );
    if (med.streamingPath) {
      lines.push(
        "",
        `### Critical path to verified streaming (round ${med.round})`,
        "",
        "Walking back from the streaming check: each step's dependency that finished last (a dependency on a component is one on all its resources), and the gap between that dependency's end and the step's start, when the engine was working on nothing of this path.",
        "",
        pathTable(med.streamingPath),
        "",
        segmentTable(med.streamingPath),
      );
    }
    if (med.wholePath) {
      lines.push("", `### Critical path of the whole deploy (round ${med.round}), back from ${med.wholePath.target}`, "", pathTable(med.wholePath), "", segmentTable(med.wholePath));
    }
  }
  return lines.filter((l, i, a) => l !== "" || a[i - 1] !== "").join("\n");
}
