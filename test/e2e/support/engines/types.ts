import type { HarnessResult } from "../../harness/result";

/** What one `up` or `destroy` did, the same shape whichever engine ran it. */
export type DeployResult = HarnessResult;

/** One run of a deploy or destroy, successful or not. */
export interface DeployRun {
  result?: DeployResult;
  exitCode: number | null;
  /** The engine's own progress output (the harness's log, or the CLI's). */
  stderr: string;
  /** When the run started (epoch ms) and its wall-clock time. */
  startedAt: number;
  durationMs: number;
  /**
   * The engine's command alone, from the run's start to the engine's last event, when the driver
   * does more after it (the real engine's Automation API reads the outputs and the stack history
   * once the CLI has exited); absent when durationMs is the command itself (the harness).
   */
  engineMs?: number;
}

/** A resource as the stack's state holds it. */
export interface StateResource {
  urn: string;
  type: string;
  name: string;
  id?: string;
  /** "failed": created but never became ready; the next deploy replaces it. */
  status: "ok" | "failed";
  protect: boolean;
  outputs: Record<string, unknown>;
}

/** A resource in the stack's state with what orders it: components and their children included. */
export interface GraphResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent; "" when none. */
  parent: string;
  /** false for component resources (and the stack itself), which have no step of their own. */
  custom: boolean;
  /** URNs it waited for (dependsOn and resources its inputs came from). */
  dependencies: string[];
}

/**
 * One stack on one engine: the real Pulumi CLI (through the Automation API) or the e2e harness.
 * `config` is the full stack config (`pgstack:key` → string, objects as JSON) of the run.
 */
export interface StackDriver {
  readonly engine: "pulumi" | "harness";
  up(config: Record<string, string>, timeoutMs: number): Promise<DeployRun>;
  /**
   * The steps a deploy of `config` would take, other than "same": the real engine's
   * `preview --expect-no-changes`; the harness has no preview, so it deploys and reports.
   */
  changesOf(config: Record<string, string>, timeoutMs: number): Promise<{ steps: DeployResult["steps"]; run: DeployRun }>;
  /** The plan `pulumi preview --json` prints for `config` (the harness prints the same shape). */
  plan(config: Record<string, string>, timeoutMs: number): Promise<unknown>;
  /** `pulumi destroy --exclude-protected`. */
  destroy(timeoutMs: number): Promise<DeployRun>;
  /** Every resource in the stack's state, secrets in plain text (test stacks only). */
  resources(): Promise<StateResource[]>;
  /** Every resource of the state, components included, with its parent and dependencies. */
  graph(): Promise<GraphResource[]>;
  /** Removes the driver's own files (state, project view). */
  dispose(): void;
}
