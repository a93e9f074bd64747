// The harness prints one stderr line per finished step (`harness: create   <type> "<name>" 812 ms`).
// Stamped with the time each line arrived, those lines say when every step started and ended, so
// a deploy can be cut into phases (primary up, replicas cloned, streaming verified, all healthy).

export interface StepLine {
  op: string;
  type: string;
  name: string;
  durationMs: number;
}

/** One harness step line, or undefined for any other line. */
export function parseStepLine(line: string): StepLine | undefined {
  const m = /^harness: (\S+)\s+(\S+) "([^"]+)" (\d+) ms/.exec(line.trim());
  if (!m) return undefined;
  return { op: m[1], type: m[2], name: m[3], durationMs: Number(m[4]) };
}

export interface TimedStep extends StepLine {
  /** Milliseconds from the start of the deploy command. */
  startMs: number;
  endMs: number;
}

/** Steps with their start and end, from lines stamped with their arrival time. */
export function timeline(lines: readonly { atMs: number; text: string }[]): TimedStep[] {
  const steps: TimedStep[] = [];
  for (const { atMs, text } of lines) {
    const step = parseStepLine(text);
    if (step) steps.push({ ...step, startMs: Math.max(0, atMs - step.durationMs), endMs: atMs });
  }
  return steps;
}

/** When the last step matching `pick` ended; undefined when none ran. */
export function endOf(steps: readonly TimedStep[], pick: (s: TimedStep) => boolean): number | undefined {
  const ends = steps.filter(pick).map((s) => s.endMs);
  return ends.length > 0 ? Math.max(...ends) : undefined;
}

const isContainer = (s: TimedStep) => s.type === "docker:index/container:Container";

/** Milestones of a cluster deploy, in ms from its start (undefined when that step did not run). */
export function deployMilestones(steps: readonly TimedStep[]): { primaryReadyMs?: number; replicasReadyMs?: number; streamingVerifiedMs?: number } {
  return {
    primaryReadyMs: endOf(steps, (s) => isContainer(s) && s.name === "primary"),
    replicasReadyMs: endOf(steps, (s) => isContainer(s) && s.name.startsWith("replica-")),
    streamingVerifiedMs: endOf(steps, (s) => s.name === "streaming-check"),
  };
}
