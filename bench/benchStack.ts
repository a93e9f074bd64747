import { readFileSync } from "node:fs";
import type { HarnessResult } from "../test/e2e/harness/result";
import type { StackState } from "../test/e2e/harness/state";
import type { Credential } from "../test/e2e/support/e2eStack";
import { HarnessDriver } from "../test/e2e/support/engines/harnessDriver";
import { removeLeftovers, type Leftovers } from "../test/e2e/support/leftovers";
import { deployFigures, type DeployFigures } from "./deployFigures";
import { parseStepLine } from "./harnessTimeline";
import type { Progress } from "./progress";
import { runHarnessTimed } from "./timedHarness";

/** A deploy's figures, its result when the harness printed one, and the tail of its log. */
export interface BenchDeploy {
  figures: DeployFigures;
  result?: HarnessResult;
  logTail: string[];
}

const HARNESS_TIMEOUT_MS = 10 * 60_000;

/**
 * One of the benchmark's stacks: production's config (Pulumi.production.yaml) plus overrides,
 * deployed through the e2e harness CLI with timed progress. The harness driver holds the state
 * file, which the generated secrets are read from; deploys and the cleanup go through
 * runHarnessTimed, which works from compiled code (the suite's own runner looks for the CLI
 * relative to its source directory).
 */
export class BenchStack {
  private readonly e2e: HarnessDriver;
  private config: Record<string, unknown>;
  private cleaned?: Promise<Leftovers>;

  constructor(readonly name: string, config: Record<string, unknown>, private readonly signal?: AbortSignal) {
    this.config = { ...config };
    this.e2e = new HarnessDriver(name);
  }

  /** Changes the config of every later deploy. */
  configure(overrides: Record<string, unknown>): void {
    this.config = { ...this.config, ...overrides };
  }

  /** `pulumi up`, never throwing: a failed deploy is a figure too (its error and log tail). */
  async up(label: string, progress: Progress): Promise<BenchDeploy> {
    if (this.signal?.aborted) throw new Error(`${this.name}: not deploying (${label}): the benchmark was interrupted`);
    const args = ["up", "--stack", this.name, "--state", this.e2e.stateFile, "--config-from", "production", "--config", JSON.stringify(this.config)];
    const run = await progress.during(`${this.name}: ${label}`, () =>
      runHarnessTimed(args, HARNESS_TIMEOUT_MS, ({ text }) => {
        const step = parseStepLine(text);
        // Only what a reader waits for: slow steps and failures.
        if ((step && (step.durationMs >= 1000 || step.op === "failed")) || text.startsWith("harness: up failed")) progress.log(`  ${text.replace(/\s+/g, " ")}`);
      }, this.signal),
    );
    return { figures: deployFigures(label, run), result: run.result, logTail: run.lines.slice(-30).map((l) => l.text) };
  }

  password(credential: Credential): string {
    const state = JSON.parse(readFileSync(this.e2e.stateFile, "utf8")) as StackState;
    const entry = Object.values(state.resources).find((e) => e.type === "random:index/randomPassword:RandomPassword" && e.name === `${credential}-password`);
    if (!entry) throw new Error(`stack ${this.name} has no ${credential}-password in its state`);
    return entry.outputs.result as string;
  }

  container(part: string): string {
    return `${this.name}-${part}`;
  }

  /** True once cleanup() has been called. */
  get cleanedUp(): boolean {
    return this.cleaned !== undefined;
  }

  /**
   * Destroy, then force-remove whatever is left (protected volumes, a failed run's leftovers),
   * then the state directory. Runs once; later calls return the first one's result.
   */
  cleanup(): Promise<Leftovers> {
    this.cleaned ??= (async () => {
      await runHarnessTimed(["destroy", "--stack", this.name, "--state", this.e2e.stateFile], HARNESS_TIMEOUT_MS).catch(() => undefined);
      const removed = await removeLeftovers(this.name);
      this.e2e.dispose();
      return removed;
    })();
    return this.cleaned;
  }
}
