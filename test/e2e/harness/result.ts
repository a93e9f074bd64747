// The JSON the harness CLI prints (one line, after RESULT_MARKER) and the wrapper parses.

export const RESULT_MARKER = "PGSTACK_HARNESS_RESULT ";

export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "failed" | "kept-protected";

export interface Step {
  op: StepOp;
  type: string;
  name: string;
  urn: string;
  durationMs: number;
  /** When the step started and ended (epoch milliseconds), for timelines of a deploy. */
  startedAt?: number;
  endedAt?: number;
  /** Why: the changed inputs of a replacement, the error of a failure. */
  detail?: string;
}

export interface ResourceRef {
  type: string;
  name: string;
  urn: string;
  id?: string;
}

export interface HarnessResult {
  command: "up" | "destroy" | "preview";
  stack: string;
  ok: boolean;
  /** The first failure: which resource (when one failed) and why. */
  error?: { message: string; resource?: ResourceRef };
  /** Stack outputs (secrets in plain text: this is a test harness). */
  outputs: Record<string, unknown>;
  steps: Step[];
  /** Protected resources a destroy left in place. */
  protectedLeft: ResourceRef[];
  timings: { totalMs: number; programMs: number };
  /** `preview`: the plan, in the shape `pulumi preview --json` prints. */
  plan?: unknown;
}
