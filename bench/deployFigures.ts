import type { TimedHarnessRun } from "./timedHarness";
import { deployMilestones, timeline } from "./harnessTimeline";

// What one deploy (or destroy) delivered, in the form the report shows.

export interface DeployFigures {
  label: string;
  ok: boolean;
  /** Wall-clock time of the whole command (what `pulumi up` would take). */
  totalMs: number;
  primaryReadyMs?: number;
  replicasReadyMs?: number;
  /** When the streaming check (every replica streaming and replaying a marker) finished. */
  streamingVerifiedMs?: number;
  /** How many steps of each kind ran (create, same, update, replace, …). */
  ops: Record<string, number>;
  /** The longest steps, longest first. */
  slowest: { op: string; name: string; durationMs: number }[];
  error?: string;
  failedResource?: string;
}

export function deployFigures(label: string, run: TimedHarnessRun, slowestCount = 6): DeployFigures {
  const steps = timeline(run.lines);
  const ops: Record<string, number> = {};
  for (const s of run.result?.steps ?? []) ops[s.op] = (ops[s.op] ?? 0) + 1;
  const slowest = [...(run.result?.steps ?? [])]
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, slowestCount)
    .map((s) => ({ op: s.op, name: s.name, durationMs: s.durationMs }));
  const ok = !!run.result?.ok && run.exitCode === 0;
  return {
    label,
    ok,
    totalMs: run.durationMs,
    ...deployMilestones(steps),
    ops,
    slowest,
    ...(ok ? {} : { error: run.result?.error?.message ?? `the harness exited ${run.exitCode} without a result`, failedResource: run.result?.error?.resource?.name }),
  };
}
