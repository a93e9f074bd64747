import { describe, expect, it } from "vitest";
import { deployFigures } from "../../../bench/deployFigures";
import { deployMilestones, parseStepLine, timeline } from "../../../bench/harnessTimeline";
import type { TimedHarnessRun } from "../../../bench/timedHarness";

const line = (atMs: number, op: string, type: string, name: string, ms: number) => ({ atMs, text: `harness: ${op.padEnd(14)} ${type} "${name}" ${ms} ms` });
const CONTAINER = "docker:index/container:Container";

describe("parseStepLine", () => {
  it("reads the op, type, name and duration of a step line", () => {
    expect(parseStepLine('harness: create         pulumi-nodejs:dynamic/postgres:StreamingCheck "streaming-check" 64 ms')).toEqual({
      op: "create",
      type: "pulumi-nodejs:dynamic/postgres:StreamingCheck",
      name: "streaming-check",
      durationMs: 64,
    });
    expect(parseStepLine('harness: update         command:local:Command "primary-live-settings" 1104 ms (content)')?.op).toBe("update");
  });

  it("ignores every other line", () => {
    expect(parseStepLine("harness: up failed: something")).toBeUndefined();
    expect(parseStepLine("npm warn whatever")).toBeUndefined();
  });
});

describe("timeline and milestones", () => {
  const lines = [
    { atMs: 300, text: "some noise" },
    line(8_800, "create", CONTAINER, "primary", 5_600),
    line(15_100, "create", CONTAINER, "replica-2", 5_700),
    line(15_800, "create", CONTAINER, "replica-1", 6_000),
    line(17_000, "create", "pulumi-nodejs:dynamic/postgres:StreamingCheck", "streaming-check", 60),
    line(20_500, "create", CONTAINER, "backup", 10_500),
  ];

  it("places each step between its arrival minus its duration and its arrival", () => {
    expect(timeline(lines)[0]).toMatchObject({ name: "primary", startMs: 3_200, endMs: 8_800 });
  });

  it("finds when the primary, the last replica and the streaming check finished", () => {
    expect(deployMilestones(timeline(lines))).toEqual({ primaryReadyMs: 8_800, replicasReadyMs: 15_800, streamingVerifiedMs: 17_000 });
  });

  it("leaves a milestone out when its step never ran", () => {
    expect(deployMilestones(timeline(lines.slice(0, 2)))).toEqual({ primaryReadyMs: 8_800, replicasReadyMs: undefined, streamingVerifiedMs: undefined });
  });
});

describe("deployFigures", () => {
  const step = (op: string, name: string, durationMs: number) => ({ op: op as "create", type: CONTAINER, name, urn: `urn:${name}`, durationMs });

  it("counts ops, lists the slowest steps and takes the milestones from the stamped lines", () => {
    const run: TimedHarnessRun = {
      exitCode: 0,
      durationMs: 21_000,
      lines: [line(8_800, "create", CONTAINER, "primary", 5_600)],
      result: { command: "up", stack: "b", ok: true, outputs: {}, steps: [step("create", "primary", 5_600), step("create", "backup", 10_500), step("same", "x", 1)], protectedLeft: [], timings: { totalMs: 20_000, programMs: 20_000 } },
    };
    const f = deployFigures("fresh", run, 2);
    expect(f).toMatchObject({ label: "fresh", ok: true, totalMs: 21_000, primaryReadyMs: 8_800, ops: { create: 2, same: 1 } });
    expect(f.slowest.map((s) => s.name)).toEqual(["backup", "primary"]);
    expect(f.error).toBeUndefined();
  });

  it("reports the failed resource and the error of a failed deploy", () => {
    const run: TimedHarnessRun = {
      exitCode: 1,
      durationMs: 9_000,
      lines: [],
      result: { command: "up", stack: "b", ok: false, error: { message: "boom", resource: { type: CONTAINER, name: "primary", urn: "u" } }, outputs: {}, steps: [], protectedLeft: [], timings: { totalMs: 1, programMs: 1 } },
    };
    expect(deployFigures("x", run)).toMatchObject({ ok: false, error: "boom", failedResource: "primary" });
    expect(deployFigures("x", { exitCode: 3, durationMs: 5, lines: [] })).toMatchObject({ ok: false, error: "the harness exited 3 without a result" });
  });
});
