import type { GraphResource } from "../test/e2e/support/engines/types";

// Which step waited for which: from a deploy's steps (start and end) and the state's dependency
// graph, the chain of latest-finishing dependencies that ends at a given step. Each link's gap
// (its dependency's end → its own start) is time nobody worked on this path: engine overhead.

/** A step of one deploy, in ms from the start of the deploy command. */
export interface TimedStep {
  urn: string;
  type: string;
  name: string;
  op: string;
  startMs: number;
  endMs: number;
}

export interface PathLink extends TimedStep {
  /** The dependency this step waited for last (the previous link); absent for the first link. */
  waitedFor?: string;
  /** Its dependency's end → its own start (for the first link: the deploy's start → its start). */
  gapMs: number;
}

/**
 * What each resource really waited for: its dependencies, where a dependency on a component
 * resource (or the stack) stands for every custom resource below it.
 */
export function customDependencies(graph: readonly GraphResource[]): Map<string, string[]> {
  const byUrn = new Map(graph.map((r) => [r.urn, r]));
  const children = new Map<string, string[]>();
  for (const r of graph) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
  const descendants = (urn: string, seen = new Set<string>()): string[] => {
    if (seen.has(urn)) return [];
    seen.add(urn);
    return (children.get(urn) ?? []).flatMap((c) => (byUrn.get(c)?.custom ? [c, ...descendants(c, seen)] : descendants(c, seen)));
  };
  const out = new Map<string, string[]>();
  for (const r of graph) {
    const deps = r.dependencies.flatMap((d) => (byUrn.get(d)?.custom === false ? descendants(d) : [d]));
    out.set(r.urn, [...new Set(deps)].filter((d) => d !== r.urn));
  }
  return out;
}

/**
 * The critical path ending at `target`: walking back, each step's latest-finishing dependency
 * that ran in this deploy. First link first; the first link's gap is from the deploy's start (0).
 */
export function criticalPath(steps: readonly TimedStep[], graph: readonly GraphResource[], target: string): PathLink[] {
  const byUrn = new Map(steps.map((s) => [s.urn, s]));
  const deps = customDependencies(graph);
  const reversed: PathLink[] = [];
  const visited = new Set<string>();
  let current = byUrn.get(target);
  while (current && !visited.has(current.urn)) {
    visited.add(current.urn);
    const ran = (deps.get(current.urn) ?? []).map((d) => byUrn.get(d)).filter((s): s is TimedStep => s !== undefined && !visited.has(s.urn));
    // The latest to end; of two ending together, the one that started later (the narrower wait).
    const last = ran.reduce<TimedStep | undefined>((best, s) => (!best || s.endMs > best.endMs || (s.endMs === best.endMs && s.startMs > best.startMs) ? s : best), undefined);
    reversed.push({ ...current, ...(last ? { waitedFor: last.urn } : {}), gapMs: current.startMs - (last?.endMs ?? 0) });
    current = last;
  }
  return reversed.reverse();
}

/** The step that ended last (the end of the whole deploy's work); undefined when none ran. */
export function lastStep(steps: readonly TimedStep[]): TimedStep | undefined {
  return steps.reduce<TimedStep | undefined>((best, s) => (!best || s.endMs > best.endMs ? s : best), undefined);
}
