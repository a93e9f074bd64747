import { describe, expect, it } from "vitest";
import { cliSummary, deployFigures, deployMilestones, timedSteps } from "../../../bench/deployFigures";
import type { Step } from "../../../test/e2e/harness/result";
import type { DeployRun } from "../../../test/e2e/support/engines/types";

const CONTAINER = "docker:index/container:Container";
const HEALTH = "pulumi-nodejs:dynamic/pgstack:ContainerHealth";
const T0 = 1_800_000_000_000;
const step = (name: string, type: string, startMs: number, endMs: number, op: Step["op"] = "create"): Step => ({
  op,
  type,
  name,
  urn: `urn:${name}`,
  durationMs: endMs - startMs,
  startedAt: T0 + startMs,
  endedAt: T0 + endMs,
});
const run = (steps: Step[], extra: Partial<DeployRun> = {}): DeployRun => ({
  result: { command: "up", stack: "bench", ok: true, outputs: {}, steps, protectedLeft: [], timings: { totalMs: 0, programMs: 0 } },
  exitCode: 0,
  stderr: "",
  startedAt: T0,
  durationMs: 21_000,
  ...extra,
});

const steps = [
  step("primary", CONTAINER, 2_800, 3_500),
  step("primary-healthy", HEALTH, 3_500, 8_700),
  step("replica-1", CONTAINER, 9_100, 10_300),
  step("replica-1-healthy", HEALTH, 10_300, 20_900),
  step("replica-2", CONTAINER, 9_100, 10_200),
  step("replica-2-healthy", HEALTH, 10_200, 15_600),
  step("streaming-check", "pulumi-nodejs:dynamic/postgres:StreamingCheck", 21_100, 21_200),
  step("backup-catalog", "pulumi-nodejs:dynamic/postgres:BackupCatalog", 21_190, 21_310),
];

describe("timedSteps and milestones", () => {
  it("places every step from the deploy's start, in start order", () => {
    const timed = timedSteps(run([steps[2], steps[0]]));
    expect(timed.map((s) => [s.name, s.startMs, s.endMs])).toEqual([
      ["primary", 2_800, 3_500],
      ["replica-1", 9_100, 10_300],
    ]);
  });

  it("takes a member as ready when its ContainerHealth step ended, the last replica for the replicas", () => {
    expect(deployMilestones(timedSteps(run(steps)))).toEqual({ primaryReadyMs: 8_700, replicasReadyMs: 20_900, streamingVerifiedMs: 21_200, lastStepEndMs: 21_310 });
  });

  it("falls back to the container step when a member has no ContainerHealth", () => {
    expect(deployMilestones(timedSteps(run([steps[0]])))).toEqual({ primaryReadyMs: 3_500, replicasReadyMs: undefined, streamingVerifiedMs: undefined, lastStepEndMs: 3_500 });
  });
});

describe("deployFigures", () => {
  it("counts ops, lists the slowest steps, and times the harness's command by its process", () => {
    const f = deployFigures("fresh", run([...steps, step("x", "random:index/randomBytes:RandomBytes", 0, 1, "same")]), 2);
    expect(f).toMatchObject({ label: "fresh", ok: true, totalMs: 21_000, streamingVerifiedMs: 21_200, ops: { create: 8, same: 1 } });
    expect(f.slowest.map((s) => s.name)).toEqual(["replica-1-healthy", "replica-2-healthy"]);
    expect(f.wallMs).toBeUndefined();
    expect(f.error).toBeUndefined();
  });

  it("times the real CLI's command to its last event, and keeps the Automation API's longer run apart with the CLI's own summary", () => {
    const stderr = "Updating (bench):\n ...\nResources:\n    + 51 created\n    1 unchanged\n\nDuration: 26s\n";
    const f = deployFigures("fresh", run(steps, { durationMs: 27_500, engineMs: 25_600, stderr }));
    expect(f).toMatchObject({ totalMs: 25_600, wallMs: 27_500, cliDurationMs: 26_000, cliResourceCount: 52 });
  });

  it("reports the failed resource and the error of a failed deploy", () => {
    const failed = run([], { exitCode: 1 });
    failed.result = { ...failed.result!, ok: false, error: { message: "boom", resource: { type: CONTAINER, name: "primary", urn: "u" } } };
    expect(deployFigures("x", failed)).toMatchObject({ ok: false, error: "boom", failedResource: "primary" });
    expect(deployFigures("x", { exitCode: 3, durationMs: 5, stderr: "", startedAt: T0 })).toMatchObject({ ok: false, error: "the deploy exited 3 without a result" });
  });
});

describe("cliSummary", () => {
  it("reads the CLI's resource counts and duration, and nothing from other output", () => {
    expect(cliSummary("Resources:\n    ~ 3 updated\n    48 unchanged\n\nDuration: 1m5s\n")).toEqual({ durationMs: 65_000, resourceCount: 51 });
    expect(cliSummary("harness: create x 3 ms\n")).toEqual({});
  });
});
