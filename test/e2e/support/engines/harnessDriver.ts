import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { StackState } from "../../harness/state";
import { runHarness } from "../harnessClient";
import type { DeployRun, GraphResource, StackDriver, StateResource } from "./types";

/** A stack deployed by the e2e harness (harness/), with its own state file. */
export class HarnessDriver implements StackDriver {
  readonly engine = "harness" as const;
  readonly stateFile: string;
  private readonly dir: string;

  constructor(private readonly stack: string) {
    this.dir = mkdtempSync(path.join(tmpdir(), `pgstack-e2e-${stack}-`));
    this.stateFile = path.join(this.dir, "state.json");
  }

  up(config: Record<string, string>, timeoutMs: number): Promise<DeployRun> {
    return runHarness(["up", "--stack", this.stack, "--state", this.stateFile, "--config", JSON.stringify(config)], timeoutMs);
  }

  async changesOf(config: Record<string, string>, timeoutMs: number) {
    const run = await this.up(config, timeoutMs);
    return { steps: (run.result?.steps ?? []).filter((s) => s.op !== "same"), run };
  }

  async plan(config: Record<string, string>, timeoutMs: number): Promise<unknown> {
    const run = await runHarness(["preview", "--stack", this.stack, "--state", this.stateFile, "--config", JSON.stringify(config)], timeoutMs);
    if (!run.result?.plan) throw new Error(`the harness's preview printed no plan (exit ${run.exitCode}):\n${run.stderr.slice(-2000)}`);
    return run.result.plan;
  }

  destroy(timeoutMs: number): Promise<DeployRun> {
    return runHarness(["destroy", "--stack", this.stack, "--state", this.stateFile], timeoutMs);
  }

  async resources(): Promise<StateResource[]> {
    if (!existsSync(this.stateFile)) return [];
    const state = JSON.parse(readFileSync(this.stateFile, "utf8")) as StackState;
    return Object.values(state.resources).map((e) => ({ urn: e.urn, type: e.type, name: e.name, id: e.id, status: e.status, protect: e.protect, outputs: e.outputs }));
  }

  async graph(): Promise<GraphResource[]> {
    if (!existsSync(this.stateFile)) return [];
    const state = JSON.parse(readFileSync(this.stateFile, "utf8")) as StackState;
    return Object.values(state.resources).map((e) => ({ urn: e.urn, type: e.type, name: e.name, parent: e.parent, custom: e.custom, dependencies: e.dependencies }));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
