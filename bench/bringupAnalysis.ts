import type { EngineName } from "../test/e2e/support/engines";
import type { GraphResource } from "../test/e2e/support/engines/types";
import { criticalPath, lastStep, type PathLink, type TimedStep } from "./criticalPath";
import type { DeployFigures } from "./deployFigures";
import type { FloorRun } from "./floor";
import { percentile } from "./stats";
import { breakdown, CATEGORIES, type Breakdown, type Category, type ContainerTimes } from "./timeBreakdown";

// The bring-up phase's figures: each round's floor and fresh deploy side by side, their ratios,
// the critical paths with where their time went, and the medians over the rounds against the
// issue's targets. Pure: the phase (bringup.ts) measures, this reads the measurements.

export interface PathReport {
  /** Name of the step the path ends at. */
  target: string;
  links: PathLink[];
  breakdown: Breakdown;
}

export interface ResourceCount {
  /** Resources with a step of their own (providers' and the stack's left out). */
  custom: number;
  /** Component resources (pgstack's own groupings), the stack left out. */
  components: number;
  total: number;
  /** What the real CLI's "Resources:" summary counted, when it ran. */
  engineCount?: number;
}

export interface BringupRound {
  round: number;
  floor: FloorRun;
  fresh?: DeployFigures;
  noop?: DeployFigures;
  /** Each container's moments (by resource name) in ms from the fresh deploy's start. */
  containers?: Record<string, ContainerTimes>;
  /** Back from the streaming check, and from the last step of the whole deploy. */
  streamingPath?: PathReport;
  wholePath?: PathReport;
  resources?: ResourceCount;
  error?: string;
}

export interface Target {
  figure: string;
  /** The median over the rounds. */
  value?: number;
  limit: number;
  unit: "ratio" | "ms";
  met?: boolean;
  /** Why a target does not apply as such (set for the other engine). */
  note?: string;
}

export interface BringupMedians {
  floorMs?: number;
  streamingMs?: number;
  wholeMs?: number;
  /** Median of the per-round ratios (each round's deploy over its own floor). */
  streamingRatio?: number;
  wholeRatio?: number;
  noopMs?: number;
  /** Median per category of each critical path's breakdown. */
  streamingCategories: Partial<Record<Category, number>>;
  wholeCategories: Partial<Record<Category, number>>;
}

export interface BringupSection {
  engine: EngineName;
  roundsAsked: number;
  rounds: BringupRound[];
  medians: BringupMedians;
  targets: Target[];
  /** The round whose streaming-verified time is the median: its path and breakdown are shown. */
  medianRound?: number;
}

export const TARGETS = { streamingRatio: 2, wholeRatio: 2.5, noopMs: { harness: 1_500, pulumi: 5_000 } as Record<EngineName, number> };

/** Resources in the state: custom ones (each a step) and components. */
export function countResources(graph: readonly GraphResource[], engineCount?: number): ResourceCount {
  const custom = graph.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length;
  const components = graph.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack").length;
  return { custom, components, total: custom + components, ...(engineCount !== undefined ? { engineCount } : {}) };
}

/**
 * The critical paths of a fresh deploy: back from the streaming check (to its end) and back
 * from the last step (to the end of the command, `totalMs`: what follows the last step is the
 * engine finishing).
 */
export function analyseDeploy(steps: readonly TimedStep[], totalMs: number, graph: readonly GraphResource[], containers: Record<string, ContainerTimes>): { streamingPath?: PathReport; wholePath?: PathReport } {
  const out: { streamingPath?: PathReport; wholePath?: PathReport } = {};
  const check = steps.find((s) => s.name === "streaming-check");
  if (check) {
    const links = criticalPath(steps, graph, check.urn);
    out.streamingPath = { target: check.name, links, breakdown: breakdown(links, check.endMs, containers) };
  }
  const last = lastStep(steps);
  if (last) {
    const links = criticalPath(steps, graph, last.urn);
    out.wholePath = { target: last.name, links, breakdown: breakdown(links, Math.max(totalMs, last.endMs), containers) };
  }
  return out;
}

/** A round's ratios: its fresh deploy over its own floor. */
export function roundRatios(round: BringupRound): { streaming?: number; whole?: number } {
  const floor = round.floor.ok ? round.floor.totalMs : undefined;
  if (!floor || !round.fresh?.ok) return {};
  return {
    streaming: round.fresh.streamingVerifiedMs !== undefined ? round.fresh.streamingVerifiedMs / floor : undefined,
    whole: round.fresh.totalMs / floor,
  };
}

export function median(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return present.length > 0 ? percentile(present, 50) : undefined;
}

function categoryMedians(paths: readonly (PathReport | undefined)[]): Partial<Record<Category, number>> {
  const present = paths.filter((p): p is PathReport => p !== undefined);
  if (present.length === 0) return {};
  return Object.fromEntries(CATEGORIES.map((c) => [c, median(present.map((p) => p.breakdown.totals[c]))]));
}

export function bringupMedians(rounds: readonly BringupRound[]): BringupMedians {
  const ok = rounds.filter((r) => r.fresh?.ok);
  return {
    floorMs: median(rounds.filter((r) => r.floor.ok).map((r) => r.floor.totalMs)),
    streamingMs: median(ok.map((r) => r.fresh!.streamingVerifiedMs)),
    wholeMs: median(ok.map((r) => r.fresh!.totalMs)),
    streamingRatio: median(rounds.map((r) => roundRatios(r).streaming)),
    wholeRatio: median(rounds.map((r) => roundRatios(r).whole)),
    noopMs: median(rounds.filter((r) => r.noop?.ok).map((r) => r.noop!.totalMs)),
    streamingCategories: categoryMedians(ok.map((r) => r.streamingPath)),
    wholeCategories: categoryMedians(ok.map((r) => r.wholePath)),
  };
}

/** The issue's targets, against the medians. The ratio targets are set for the harness. */
export function bringupTargets(m: BringupMedians, engine: EngineName, resourceCount?: number): Target[] {
  const judged = (t: Omit<Target, "met">): Target => ({ ...t, ...(t.value !== undefined ? { met: t.value <= t.limit } : {}) });
  const onOtherEngine = engine === "harness" ? undefined : "the ratio targets are set for the harness";
  return [
    judged({ figure: "fresh deploy → streaming verified, over the floor", value: m.streamingRatio, limit: TARGETS.streamingRatio, unit: "ratio", ...(onOtherEngine ? { note: onOtherEngine } : {}) }),
    judged({ figure: "whole deploy (PgBouncer and backup healthy), over the floor", value: m.wholeRatio, limit: TARGETS.wholeRatio, unit: "ratio", ...(onOtherEngine ? { note: onOtherEngine } : {}) }),
    judged({ figure: `unchanged deploy${resourceCount !== undefined ? ` (${resourceCount} resources)` : ""}`, value: m.noopMs, limit: TARGETS.noopMs[engine], unit: "ms" }),
  ];
}

/** The round whose streaming-verified time is the median (the lower middle of an even count). */
export function medianRound(rounds: readonly BringupRound[]): BringupRound | undefined {
  const ok = rounds.filter((r) => r.fresh?.ok && r.fresh.streamingVerifiedMs !== undefined).sort((a, b) => a.fresh!.streamingVerifiedMs! - b.fresh!.streamingVerifiedMs!);
  return ok.length > 0 ? ok[Math.floor((ok.length - 1) / 2)] : undefined;
}

export function bringupSection(engine: EngineName, roundsAsked: number, rounds: BringupRound[]): BringupSection {
  const medians = bringupMedians(rounds);
  const resources = rounds.find((r) => r.resources)?.resources;
  return { engine, roundsAsked, rounds, medians, targets: bringupTargets(medians, engine, resources?.total), medianRound: medianRound(rounds)?.round };
}
