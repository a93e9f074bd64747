import type { PathLink } from "./criticalPath";

// Where the time on a critical path went. The path is cut into contiguous segments from the
// deploy's start: the engine's gaps, and each step by what it is. From a container's start to the
// end of its ContainerHealth step the container's own timestamps say more than the steps do: its
// process starting (initdb or a clone, then PostgreSQL) until it logged that it is ready, then the
// wait for a healthcheck to run and pass, then until the ContainerHealth poll saw it. That span is
// attributed by those timestamps even where the engine sat between two steps meanwhile.

export type Category = "container" | "start" | "healthcheck" | "noticed" | "provider" | "other" | "overhead";

export const CATEGORY_NAMES: Record<Category, string> = {
  container: "container create+start",
  start: "PostgreSQL start (initdb or clone, then the server; PgBouncer's and the backup scheduler's start)",
  healthcheck: "healthcheck wait: until the first passing check",
  noticed: "healthcheck wait: passing check → ContainerHealth done",
  provider: "dynamic-provider work (roles, slots, streaming check, …)",
  other: "other steps (images, volumes, network, passwords, live-settings commands)",
  overhead: "engine overhead (program start, gaps between steps, finishing)",
};

export const CATEGORIES = Object.keys(CATEGORY_NAMES) as Category[];

/** One container's moments, in ms from the start of the deploy (from docker events, logs and inspect). */
export interface ContainerTimes {
  createdMs?: number;
  startedMs?: number;
  /** The entrypoint began bootstrapping an empty data directory (initdb, clone, restore). */
  bootstrapMs?: number;
  /** PostgreSQL's "starting PostgreSQL" line: the bootstrap is over. */
  serverStartMs?: number;
  /** The process said it is ready ("database system is ready to accept connections", "process up", "scheduler up"). */
  readyMs?: number;
  /** Start and end of the first healthcheck that passed. */
  passingCheckStartMs?: number;
  firstHealthyMs?: number;
  /** Healthchecks that ran before the first passing one (failed ones). */
  failedChecks?: number;
}

export interface Segment {
  fromMs: number;
  toMs: number;
  category: Category;
  what: string;
}

export interface Breakdown {
  segments: Segment[];
  totals: Record<Category, number>;
  /** Length of the period broken down (the path's end). */
  totalMs: number;
}

const isContainerStep = (t: string) => t === "docker:index/container:Container";
const isHealthStep = (t: string) => /ContainerHealth$/.test(t);
const isDynamic = (t: string) => t.startsWith("pulumi-nodejs:dynamic");

/** The container a step belongs to: a Container by its resource name, a ContainerHealth `<name>-healthy` by `<name>`. */
export function containerPartOf(link: { type: string; name: string }): string | undefined {
  if (isContainerStep(link.type)) return link.name;
  if (isHealthStep(link.type)) return link.name.replace(/-healthy$/, "");
  return undefined;
}

export function stepCategory(type: string): Category {
  if (isContainerStep(type)) return "container";
  // A ContainerHealth step outside a container's span (no timestamps for it) is a healthcheck wait.
  if (isHealthStep(type)) return "healthcheck";
  if (isDynamic(type)) return "provider";
  return "other";
}

/** `[from, to)` minus every interval of `holes`, as the pieces left. */
function subtract(from: number, to: number, holes: readonly { fromMs: number; toMs: number }[]): [number, number][] {
  let pieces: [number, number][] = [[from, to]];
  for (const h of holes) {
    pieces = pieces.flatMap(([a, b]): [number, number][] => {
      if (h.toMs <= a || h.fromMs >= b) return [[a, b]];
      return [
        [a, Math.max(a, h.fromMs)],
        [Math.min(b, h.toMs), b],
      ].filter(([x, y]) => y > x) as [number, number][];
    });
  }
  return pieces;
}

/**
 * The segments of one container's span on the path, `[from, to)`: while its Container step ran,
 * the provider until Docker created it, then until it started (file uploads, start); from its
 * start, the process starting, the healthcheck wait and ContainerHealth noticing.
 */
function containerSegments(part: string, t: ContainerTimes, from: number, to: number, containerStepOnPath: boolean): Segment[] {
  const at = (v: number | undefined, floor: number) => Math.min(to, Math.max(floor, v ?? floor));
  const parts: Segment[] = [];
  let cursor = from;
  if (containerStepOnPath && t.startedMs !== undefined) {
    const created = at(t.createdMs, from);
    const started = at(t.startedMs, created);
    parts.push(
      { fromMs: from, toMs: created, category: "container", what: `${part}: the provider until Docker created it` },
      { fromMs: created, toMs: started, category: "container", what: `${part}: created → started (file uploads, start)` },
    );
    cursor = started;
  } else {
    cursor = at(t.startedMs, from);
  }
  if (t.firstHealthyMs !== undefined) {
    const b0 = cursor;
    const b1 = at(t.serverStartMs !== undefined && t.bootstrapMs !== undefined ? t.serverStartMs : undefined, b0);
    const b2 = at(t.readyMs, b1);
    const b3 = at(t.passingCheckStartMs, b2);
    const b4 = at(t.firstHealthyMs, b3);
    parts.push(
      { fromMs: b0, toMs: b1, category: "start", what: `${part}: entrypoint and bootstrap (initdb or clone)` },
      { fromMs: b1, toMs: b2, category: "start", what: `${part}: process start until it logged ready` },
      { fromMs: b2, toMs: b3, category: "healthcheck", what: `${part}: ready, no healthcheck run yet${t.failedChecks ? ` (${t.failedChecks} failed before)` : ""}` },
      { fromMs: b3, toMs: b4, category: "healthcheck", what: `${part}: the first passing healthcheck` },
      { fromMs: b4, toMs: to, category: "noticed", what: `${part}: healthy → ContainerHealth saw it` },
    );
  }
  // Without a healthy moment, what follows the start stays with the steps.
  return parts.filter((s) => s.toMs > s.fromMs);
}

/**
 * Cuts `[0, endMs)` along `path` (first link first) into segments by category. `endMs` is the
 * path's end (the target step's end, or the end of the whole command, whose tail after the last
 * step is engine overhead). `containers` holds the timestamps by container resource name.
 */
export function breakdown(path: readonly PathLink[], endMs: number, containers: Readonly<Record<string, ContainerTimes>> = {}): Breakdown {
  const raw: Segment[] = [];
  let cursor = 0;
  let previous: PathLink | undefined;
  for (const link of path) {
    if (link.startMs > cursor) {
      raw.push({ fromMs: cursor, toMs: link.startMs, category: "overhead", what: previous ? `engine: ${previous.name} done → ${link.name} started` : `engine: program start → ${link.name} started` });
    }
    const from = Math.max(cursor, link.startMs);
    if (link.endMs > from) raw.push({ fromMs: from, toMs: link.endMs, category: stepCategory(link.type), what: `${link.name} (${link.op})` });
    cursor = Math.max(cursor, link.endMs);
    previous = link;
  }
  if (endMs > cursor) raw.push({ fromMs: cursor, toMs: endMs, category: "overhead", what: previous ? `engine: ${previous.name} done → command finished` : "engine: no step" });

  // Each container's span: from its first step on the path to its last step's end.
  const spans = new Map<string, { from: number; to: number; containerStep: boolean }>();
  for (const link of path) {
    const part = containerPartOf(link);
    if (!part || !containers[part]) continue;
    const span = spans.get(part);
    spans.set(part, {
      from: Math.min(span?.from ?? link.startMs, link.startMs),
      to: Math.max(span?.to ?? link.endMs, link.endMs),
      containerStep: (span?.containerStep ?? false) || stepCategory(link.type) === "container",
    });
  }
  const overrides: Segment[] = [];
  for (const [part, span] of spans) {
    const to = Math.min(span.to, endMs);
    // Without the container step on the path, the span starts when the container did.
    const from = span.containerStep ? span.from : Math.min(to, Math.max(span.from, containers[part].startedMs ?? span.from));
    overrides.push(...containerSegments(part, containers[part], from, to, span.containerStep));
  }

  const segments = [
    ...raw.flatMap((s) => subtract(s.fromMs, s.toMs, overrides).map(([fromMs, toMs]) => ({ ...s, fromMs, toMs }))),
    ...overrides,
  ].sort((a, b) => a.fromMs - b.fromMs || a.toMs - b.toMs);
  const merged: Segment[] = [];
  for (const s of segments) {
    const last = merged[merged.length - 1];
    if (last && last.category === s.category && last.what === s.what && last.toMs === s.fromMs) last.toMs = s.toMs;
    else merged.push({ ...s });
  }
  const totals = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const s of merged) totals[s.category] += s.toMs - s.fromMs;
  return { segments: merged, totals, totalMs: endMs };
}
