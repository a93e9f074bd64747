import { parseGoDuration } from "../test/e2e/harness/goDuration";
import type { DeployRun } from "../test/e2e/support/engines/types";
import type { TimedStep } from "./criticalPath";

// What one deploy (or destroy) delivered, in the form the report shows, from the run either
// engine returns: its steps carry their start and end (epoch ms), placed here from the start of
// the deploy command.

export interface DeployFigures {
  label: string;
  ok: boolean;
  /** The deploy command (`pulumi up`, or the harness CLI), from its start until it ended. */
  totalMs: number;
  /** The driver's whole run when it did more after the command (the Automation API reading outputs and history). */
  wallMs?: number;
  /** The real CLI's own "Duration:" line. */
  cliDurationMs?: number;
  /** The real CLI's "Resources:" summary: how many resources it counted. */
  cliResourceCount?: number;
  /** When the primary's container was healthy (its ContainerHealth step ended; without one, its container step). */
  primaryReadyMs?: number;
  replicasReadyMs?: number;
  /** When the streaming check (every replica streaming and replaying a marker) finished. */
  streamingVerifiedMs?: number;
  /** When the last step ended. */
  lastStepEndMs?: number;
  /** How many steps of each kind ran (create, same, update, replace, …). */
  ops: Record<string, number>;
  /** The longest steps, longest first. */
  slowest: { op: string; name: string; durationMs: number }[];
  error?: string;
  failedResource?: string;
}

/** The run's steps in ms from its start (steps without times are left out). */
export function timedSteps(run: DeployRun): TimedStep[] {
  return (run.result?.steps ?? [])
    .filter((s) => s.startedAt !== undefined && s.endedAt !== undefined)
    .map((s) => ({ urn: s.urn, type: s.type, name: s.name, op: s.op, startMs: s.startedAt! - run.startedAt, endMs: s.endedAt! - run.startedAt }))
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}

/** When the last step matching `pick` ended; undefined when none ran. */
export function endOf(steps: readonly TimedStep[], pick: (s: TimedStep) => boolean): number | undefined {
  const ends = steps.filter(pick).map((s) => s.endMs);
  return ends.length > 0 ? Math.max(...ends) : undefined;
}

const isContainer = (s: TimedStep) => s.type === "docker:index/container:Container";
const isHealth = (s: TimedStep) => /ContainerHealth$/.test(s.type);

/** When a member was ready: its ContainerHealth step's end, or its container step's when it has none. */
function readyOf(steps: readonly TimedStep[], member: (name: string) => boolean): number | undefined {
  const health = endOf(steps, (s) => isHealth(s) && member(s.name.replace(/-healthy$/, "")));
  return health ?? endOf(steps, (s) => isContainer(s) && member(s.name));
}

/** Milestones of a cluster deploy, in ms from its start (undefined when that step did not run). */
export function deployMilestones(steps: readonly TimedStep[]): Pick<DeployFigures, "primaryReadyMs" | "replicasReadyMs" | "streamingVerifiedMs" | "lastStepEndMs"> {
  return {
    primaryReadyMs: readyOf(steps, (n) => n === "primary"),
    replicasReadyMs: readyOf(steps, (n) => /^replica-\d+$/.test(n)),
    streamingVerifiedMs: endOf(steps, (s) => s.name === "streaming-check"),
    lastStepEndMs: endOf(steps, () => true),
  };
}

/** The real CLI's closing lines: "Resources:" with counts per kind, then "Duration: 37s". */
export function cliSummary(output: string): { durationMs?: number; resourceCount?: number } {
  const out: { durationMs?: number; resourceCount?: number } = {};
  const duration = /^Duration: (\S+)\s*$/m.exec(output);
  if (duration) {
    try {
      out.durationMs = parseGoDuration(duration[1]) / 1e6;
    } catch {
      // not a duration: left out
    }
  }
  const block = /^Resources:\n((?:[ \t]+.*\n?)+)/m.exec(output);
  if (block) {
    const counts = [...block[1].matchAll(/^\s*[-+~]*\s*(\d+) [a-z]/gm)].map((m) => Number(m[1]));
    if (counts.length > 0) out.resourceCount = counts.reduce((a, b) => a + b, 0);
  }
  return out;
}

export function deployFigures(label: string, run: DeployRun, slowestCount = 6): DeployFigures {
  const steps = run.result?.steps ?? [];
  const ops: Record<string, number> = {};
  for (const s of steps) ops[s.op] = (ops[s.op] ?? 0) + 1;
  const slowest = [...steps]
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, slowestCount)
    .map((s) => ({ op: s.op, name: s.name, durationMs: s.durationMs }));
  const ok = !!run.result?.ok && run.exitCode === 0;
  const totalMs = run.engineMs !== undefined && run.engineMs < run.durationMs ? run.engineMs : run.durationMs;
  const cli = cliSummary(run.stderr);
  return {
    label,
    ok,
    totalMs,
    ...(totalMs < run.durationMs ? { wallMs: run.durationMs } : {}),
    ...(cli.durationMs !== undefined ? { cliDurationMs: cli.durationMs } : {}),
    ...(cli.resourceCount !== undefined ? { cliResourceCount: cli.resourceCount } : {}),
    ...deployMilestones(timedSteps(run)),
    ops,
    slowest,
    ...(ok ? {} : { error: run.result?.error?.message ?? `the deploy exited ${run.exitCode} without a result`, failedResource: run.result?.error?.resource?.name }),
  };
}
