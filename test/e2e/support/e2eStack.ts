import { stackConfig } from "../harness/stackConfig";
import type { Step } from "../harness/result";
import { stackDriver, type DeployResult, type DeployRun, type EngineName, type StackDriver, type StateResource } from "./engines";
import { expectSuccess } from "./harnessClient";
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
  /** Deploy with this engine instead of the suite's (support/engines: the real CLI when installed). */
  engine?: EngineName;
}

/**
 * One stack, deployed by the real Pulumi CLI when one is installed and by the e2e harness
 * otherwise (support/engines): what a scenario drives. `up` and `destroy` throw an error naming
 * the failed resource and its cause; `tryUp` returns failed runs too, for tests of failures.
 */
export class E2EStack {
  readonly stack: string;
  private readonly driver: StackDriver;
  private config: Record<string, unknown>;
  /** The generated passwords, read from the state after every deploy. */
  private passwords = new Map<string, string>();

  constructor(private readonly options: E2EStackOptions) {
    this.stack = options.stack;
    this.config = { ...(options.config ?? {}) };
    this.driver = stackDriver(options.stack, options.engine);
  }

  /** Which engine deploys this stack. */
  get engine(): EngineName {
    return this.driver.engine;
  }

  /** Changes the config of every later deploy (merged into what is there). */
  configure(overrides: Record<string, unknown>): void {
    this.config = { ...this.config, ...overrides };
  }

  /** The full config of a run: the stack file (read again each time: a failover may have changed it), then overrides. */
  private runConfig(overrides: Record<string, unknown>): Record<string, string> {
    return stackConfig(this.options.configFrom, { ...this.config, ...overrides });
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 300_000;
  }

  /** `pulumi up` with the stack's config plus `overrides` for this run; throws when it fails. */
  async up(overrides: Record<string, unknown> = {}): Promise<DeployResult> {
    return expectSuccess(await this.tryUp(overrides), `up of stack ${this.stack} (${this.engine})`);
  }

  /** `pulumi up` that resolves with the run whatever happened. */
  async tryUp(overrides: Record<string, unknown> = {}): Promise<DeployRun> {
    const run = await this.driver.up(this.runConfig(overrides), this.timeoutMs);
    await this.readPasswords();
    return run;
  }

  private async readPasswords(): Promise<void> {
    const resources = await this.resources().catch(() => []);
    this.passwords = new Map(
      resources.filter((e) => e.type === "random:index/randomPassword:RandomPassword").map((e) => [e.name.replace(/-password$/, ""), String(e.outputs.result)]),
    );
  }

  /**
   * What deploying the current config would change, as `pulumi preview --expect-no-changes` sees
   * it on the real engine (the harness, which has no preview, deploys and reports). [] = nothing.
   */
  async changes(overrides: Record<string, unknown> = {}): Promise<Step[]> {
    const { steps, run } = await this.driver.changesOf(this.runConfig(overrides), this.timeoutMs);
    if (steps.length === 0 && !(run.result?.ok && run.exitCode === 0)) expectSuccess(run, `preview of stack ${this.stack} (${this.engine})`);
    return steps;
  }

  /** The plan of deploying the current config plus `overrides`: `pulumi preview --json` (the harness prints the same shape). */
  plan(overrides: Record<string, unknown> = {}): Promise<unknown> {
    return this.driver.plan(this.runConfig(overrides), this.timeoutMs);
  }

  /** `pulumi destroy --exclude-protected`; throws when it fails. */
  async destroy(): Promise<DeployResult> {
    return expectSuccess(await this.driver.destroy(this.timeoutMs), `destroy of stack ${this.stack} (${this.engine})`);
  }

  /** The stack's state as it is now. */
  resources(): Promise<StateResource[]> {
    return this.driver.resources();
  }

  /** A generated password, as the state held it after the last deploy (the stack exports only the app's, in its URLs). */
  password(credential: Credential): string {
    const found = this.passwords.get(credential);
    if (found === undefined) throw new Error(`stack ${this.stack} had no ${credential}-password in its state after its last deploy`);
    return found;
  }

  /** Container name of a member or part: `primary`, `replica-1`, `pgbouncer`, `backup`. */
  container(part: string): string {
    return `${this.stack}-${part}`;
  }

  /**
   * Removes everything: a destroy (so the engine's own deletes are exercised), then whatever is
   * still there (protected volumes, leftovers of a failed run), then the state.
   * Returns what the forced removal found.
   */
  async cleanup(options: { destroy?: boolean } = {}): Promise<Leftovers> {
    // A stack whose host was "lost" has nothing left to destroy through its providers, which
    // would each wait out their connection timeout: skip straight to the forced removal.
    if (options.destroy ?? true) await this.driver.destroy(this.timeoutMs).catch(() => undefined);
    const removed = await removeLeftovers(this.stack);
    this.driver.dispose();
    return removed;
  }
}
