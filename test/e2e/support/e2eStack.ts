import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { HarnessResult } from "../harness/result";
import type { StackState } from "../harness/state";
import { expectSuccess, runHarness, type HarnessRun } from "./harnessClient";
import { removeLeftovers, type Leftovers } from "./leftovers";

/** The generated credentials (ClusterSecrets): `<name>-password` resources. */
export type Credential = "superuser" | "replicator" | "app" | "pgbouncerAdmin" | "stats" | "backup";

export interface E2EStackOptions {
  /** Stack name: containers are `<stack>-<member>`, volumes `<stack>-…`, the network `pgstack-<stack>`. */
  stack: string;
  /** Base config from `Pulumi.<configFrom>.yaml` (or a stack file's absolute path); none when omitted. */
  configFrom?: string;
  /** Config for every deploy on top of the file (`images`, ports, …); short or `pgstack:` keys. */
  config?: Record<string, unknown>;
  /** Bound on one deploy or destroy; default 5 minutes. */
  timeoutMs?: number;
}

/**
 * One stack deployed by the harness, with its own state file: what a scenario (or the failover
 * test) drives. `up` and `destroy` throw a HarnessError naming the failed resource and its cause;
 * `tryUp` returns failed runs too, for tests of failures.
 */
export class E2EStack {
  readonly stack: string;
  readonly stateFile: string;
  private readonly dir: string;
  private config: Record<string, unknown>;

  constructor(private readonly options: E2EStackOptions) {
    this.stack = options.stack;
    this.config = { ...(options.config ?? {}) };
    this.dir = mkdtempSync(path.join(tmpdir(), `pgstack-e2e-${options.stack}-`));
    this.stateFile = path.join(this.dir, "state.json");
  }

  /** Changes the config of every later deploy (merged into what is there). */
  configure(overrides: Record<string, unknown>): void {
    this.config = { ...this.config, ...overrides };
  }

  private upArgs(overrides: Record<string, unknown>): string[] {
    const config = JSON.stringify({ ...this.config, ...overrides });
    return ["up", "--stack", this.stack, "--state", this.stateFile, ...(this.options.configFrom ? ["--config-from", this.options.configFrom] : []), "--config", config];
  }

  /** `pulumi up` with the stack's config plus `overrides` for this run; throws when it fails. */
  async up(overrides: Record<string, unknown> = {}): Promise<HarnessResult> {
    return expectSuccess(await this.tryUp(overrides), `up of stack ${this.stack}`);
  }

  /** `pulumi up` that resolves with the run whatever happened. */
  tryUp(overrides: Record<string, unknown> = {}): Promise<HarnessRun> {
    return runHarness(this.upArgs(overrides), this.options.timeoutMs ?? 300_000);
  }

  /** `pulumi destroy --exclude-protected`; throws when it fails. */
  async destroy(): Promise<HarnessResult> {
    return expectSuccess(await runHarness(["destroy", "--stack", this.stack, "--state", this.stateFile], this.options.timeoutMs ?? 300_000), `destroy of stack ${this.stack}`);
  }

  /** The harness's state file, as it is now. */
  state(): StackState {
    return JSON.parse(readFileSync(this.stateFile, "utf8")) as StackState;
  }

  /** A generated password, read from the state (the stack exports only the app's, in its URLs). */
  password(credential: Credential): string {
    const entry = Object.values(this.state().resources).find((e) => e.type === "random:index/randomPassword:RandomPassword" && e.name === `${credential}-password`);
    if (!entry) throw new Error(`stack ${this.stack} has no ${credential}-password in its state`);
    return entry.outputs.result as string;
  }

  /** Container name of a member or part: `primary`, `replica-1`, `pgbouncer`, `backup`. */
  container(part: string): string {
    return `${this.stack}-${part}`;
  }

  /**
   * Removes everything: a destroy (so the harness's own deletes are exercised), then whatever is
   * still there (protected volumes, leftovers of a failed run), then the state directory.
   * Returns what the forced removal found.
   */
  async cleanup(options: { destroy?: boolean } = {}): Promise<Leftovers> {
    // A stack whose host was "lost" has nothing left to destroy through its providers, which
    // would each wait out their connection timeout: skip straight to the forced removal.
    if (options.destroy ?? true) {
      await runHarness(["destroy", "--stack", this.stack, "--state", this.stateFile], this.options.timeoutMs ?? 300_000).catch(() => undefined);
    }
    const removed = await removeLeftovers(this.stack);
    rmSync(this.dir, { recursive: true, force: true });
    return removed;
  }
}
