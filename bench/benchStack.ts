import { stackConfig } from "../test/e2e/harness/stackConfig";
import type { Credential } from "../test/e2e/support/e2eStack";
import { stackDriver, type EngineName } from "../test/e2e/support/engines";
import type { DeployResult, DeployRun, GraphResource, StackDriver, StateResource } from "../test/e2e/support/engines/types";
import { removeLeftovers, type Leftovers } from "../test/e2e/support/leftovers";
import { deployFigures, type DeployFigures } from "./deployFigures";
import { seconds } from "./format";
import type { Progress } from "./progress";

/** A deploy's figures, the run itself (steps with their times, the engine's output) and its log's tail. */
export interface BenchDeploy {
  figures: DeployFigures;
  run: DeployRun;
  result?: DeployResult;
  logTail: string[];
}

const DEPLOY_TIMEOUT_MS = 10 * 60_000;

/**
 * One of the benchmark's stacks: production's config (Pulumi.production.yaml) plus overrides,
 * deployed through the e2e suite's engine drivers — the real Pulumi CLI (Automation API, a local
 * file backend) or the e2e harness, the same way on both.
 */
export class BenchStack {
  private readonly driver: StackDriver;
  private config: Record<string, unknown>;
  private cleaned?: Promise<Leftovers>;
  private passwords = new Map<string, string>();
  /** The deploy in flight: a cleanup waits for it (Ctrl-C reaches the engine's process too). */
  private inFlight?: Promise<unknown>;

  constructor(readonly name: string, config: Record<string, unknown>, readonly engine: EngineName, private readonly signal?: AbortSignal) {
    this.config = { ...config };
    this.driver = stackDriver(name, engine);
  }

  /** Changes the config of every later deploy. */
  configure(overrides: Record<string, unknown>): void {
    this.config = { ...this.config, ...overrides };
  }

  /**
   * Makes the engine's stack exist (the real CLI creates it on first use), so the first deploy's
   * time is the deploy's alone.
   */
  async prepare(): Promise<void> {
    await this.driver.resources();
  }

  /** `pulumi up`, never throwing: a failed deploy is a figure too (its error and log tail). */
  async up(label: string, progress: Progress): Promise<BenchDeploy> {
    if (this.signal?.aborted) throw new Error(`${this.name}: not deploying (${label}): the benchmark was interrupted`);
    const deploying = this.driver.up(stackConfig("production", this.config), DEPLOY_TIMEOUT_MS);
    this.inFlight = deploying.catch(() => undefined);
    const run = await progress.during(`${this.name}: ${label} (${this.engine})`, () => deploying);
    this.inFlight = undefined;
    await this.readPasswords();
    const figures = deployFigures(label, run);
    // Only what a reader waits for: slow steps and failures.
    for (const s of [...(run.result?.steps ?? [])].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0))) {
      if (s.durationMs >= 1000 || s.op === "failed") progress.log(`  ${s.op} ${s.name} ${seconds(s.durationMs)}${s.op === "failed" && s.detail ? `: ${s.detail.split("\n")[0]}` : ""}`);
    }
    return { figures, run, result: run.result, logTail: run.stderr.trim().split("\n").slice(-30) };
  }

  private async readPasswords(): Promise<void> {
    const resources = await this.driver.resources().catch(() => [] as StateResource[]);
    const found = resources.filter((e) => e.type === "random:index/randomPassword:RandomPassword").map((e) => [e.name.replace(/-password$/, ""), String(e.outputs.result)] as const);
    if (found.length > 0) this.passwords = new Map(found);
  }

  /** A generated password, as the state held it after the last deploy. */
  password(credential: Credential): string {
    const found = this.passwords.get(credential);
    if (found === undefined) throw new Error(`stack ${this.name} had no ${credential}-password in its state after its last deploy`);
    return found;
  }

  /** Every resource in the state, components included, with parents and dependencies. */
  graph(): Promise<GraphResource[]> {
    return this.driver.graph();
  }

  /** The docker container name of each Container resource (by resource name), from the state. */
  async containerNames(): Promise<Record<string, string>> {
    const resources = await this.driver.resources();
    return Object.fromEntries(
      resources.filter((r) => r.type === "docker:index/container:Container" && typeof r.outputs.name === "string").map((r) => [r.name, String(r.outputs.name)]),
    );
  }

  container(part: string): string {
    return `${this.name}-${part}`;
  }

  /** True once cleanup() has been called. */
  get cleanedUp(): boolean {
    return this.cleaned !== undefined;
  }

  /**
   * Waits for a deploy in flight, destroys, then force-removes whatever is left (protected
   * volumes, a failed run's leftovers), then the driver's files. Runs once; later calls return
   * the first one's result.
   */
  cleanup(): Promise<Leftovers> {
    this.cleaned ??= (async () => {
      await this.inFlight;
      await this.driver.destroy(DEPLOY_TIMEOUT_MS).catch(() => undefined);
      const removed = await removeLeftovers(this.name);
      this.driver.dispose();
      return removed;
    })();
    return this.cleaned;
  }
}
