import { describe, expect, it } from "vitest";
import type { PathLink } from "../../../bench/criticalPath";
import { breakdown, CATEGORIES, containerPartOf, stepCategory, type Breakdown, type ContainerTimes } from "../../../bench/timeBreakdown";

const CONTAINER = "docker:index/container:Container";
const HEALTH = "pulumi-nodejs:dynamic/pgstack:ContainerHealth";
const ROLE = "pulumi-nodejs:dynamic/postgres:PostgresRole";
const NETWORK = "docker:index/network:Network";
const link = (name: string, type: string, startMs: number, endMs: number, gapMs = 0): PathLink => ({ urn: `urn:${name}`, type, name, op: "create", startMs, endMs, gapMs });

// program start 0.7 s; network; the primary's container; its health step (with a 0.1 s gap the
// engine left between them); a role; the streaming check ending at 10.0 s.
const path = [
  link("network", NETWORK, 700, 2_700, 700),
  link("primary", CONTAINER, 2_700, 3_500),
  link("primary-healthy", HEALTH, 3_600, 8_700, 100),
  link("app-role", ROLE, 8_750, 8_900, 50),
  link("streaming-check", "pulumi-nodejs:dynamic/postgres:StreamingCheck", 9_900, 10_000, 1_000),
];
const primary: ContainerTimes = { createdMs: 2_900, startedMs: 3_450, bootstrapMs: 3_460, serverStartMs: 5_300, readyMs: 5_400, passingCheckStartMs: 8_400, firstHealthyMs: 8_450, failedChecks: 1 };

const sum = (b: Breakdown) => CATEGORIES.reduce((a, c) => a + b.totals[c], 0);
const contiguous = (b: Breakdown) => b.segments.every((s, i) => (i === 0 ? s.fromMs === 0 : s.fromMs === b.segments[i - 1].toMs));

describe("breakdown", () => {
  it("covers the whole period without gaps or overlaps: the categories add up to it", () => {
    for (const containers of [{}, { primary }] as Record<string, ContainerTimes>[]) {
      const b = breakdown(path, 10_000, containers);
      expect(contiguous(b)).toBe(true);
      expect(sum(b)).toBe(10_000);
      expect(b.totalMs).toBe(10_000);
    }
  });

  it("without container timestamps, goes by the steps' kinds and counts the gaps as engine overhead", () => {
    const b = breakdown(path, 10_000);
    expect(b.totals).toEqual({ container: 800, start: 0, healthcheck: 5_100, noticed: 0, provider: 250, other: 2_000, overhead: 700 + 100 + 50 + 1_000 });
  });

  it("reads a container's span off its own timestamps, the engine's gap inside it included", () => {
    const b = breakdown(path, 10_000, { primary });
    // The container step up to the process start; then bootstrap and server start; then the wait
    // for a healthcheck to pass; then until ContainerHealth saw it.
    expect(b.totals.container).toBe(750);
    expect(b.totals.start).toBe(5_400 - 3_450);
    expect(b.totals.healthcheck).toBe(8_450 - 5_400);
    expect(b.totals.noticed).toBe(8_700 - 8_450);
    expect(b.totals.overhead).toBe(700 + 50 + 1_000);
    expect(b.segments.map((s) => s.what)).toContain("primary: ready, no healthcheck run yet (1 failed before)");
    expect(b.segments.find((s) => s.what === "primary: entrypoint and bootstrap (initdb or clone)")).toMatchObject({ fromMs: 3_450, toMs: 5_300 });
  });

  it("splits the container step at Docker's create: the provider's own work, then uploads and start", () => {
    const b = breakdown(path, 10_000, { primary });
    expect(b.segments.filter((s) => s.category === "container").map((s) => [s.what, s.fromMs, s.toMs])).toEqual([
      ["primary: the provider until Docker created it", 2_700, 2_900],
      ["primary: created → started (file uploads, start)", 2_900, 3_450],
    ]);
    // Only the container step is cut when the container never turned healthy.
    const unhealthy = breakdown(path, 10_000, { primary: { createdMs: 2_900, startedMs: 3_450 } });
    expect(unhealthy.totals).toEqual(breakdown(path, 10_000).totals);
    expect(unhealthy.segments.map((s) => s.what)).toContain("primary: created → started (file uploads, start)");
  });

  it("counts what follows the last step as the engine finishing", () => {
    const b = breakdown(path, 10_600, { primary });
    expect(b.segments[b.segments.length - 1]).toMatchObject({ fromMs: 10_000, toMs: 10_600, category: "overhead", what: "engine: streaming-check done → command finished" });
  });

  it("clamps timestamps that fall outside the container's span, and keeps the steps when the container never turned healthy", () => {
    const early: ContainerTimes = { startedMs: 1_000, readyMs: 2_000, firstHealthyMs: 9_999 };
    const b = breakdown(path, 10_000, { primary: early });
    expect(contiguous(b)).toBe(true);
    expect(sum(b)).toBe(10_000);
    expect(b.totals.start).toBe(0);
    expect(b.totals.healthcheck).toBe(8_700 - 2_700);
    const noHealth = breakdown(path, 10_000, { primary: { startedMs: 3_450, readyMs: 5_400 } });
    expect(noHealth.totals).toEqual(breakdown(path, 10_000).totals);
  });

  it("merges overlapping links instead of counting time twice", () => {
    const overlapping = [link("a", NETWORK, 0, 1_000), link("b", ROLE, 900, 1_500, -100)];
    const b = breakdown(overlapping, 1_500);
    expect(sum(b)).toBe(1_500);
    expect(b.totals).toMatchObject({ other: 1_000, provider: 500 });
  });
});

describe("step kinds", () => {
  it("maps a step to its container and its category", () => {
    expect(containerPartOf({ type: HEALTH, name: "replica-1-healthy" })).toBe("replica-1");
    expect(containerPartOf({ type: CONTAINER, name: "backup" })).toBe("backup");
    expect(containerPartOf({ type: ROLE, name: "app-role" })).toBeUndefined();
    expect([CONTAINER, HEALTH, ROLE, NETWORK, "command:local:Command"].map(stepCategory)).toEqual(["container", "healthcheck", "provider", "other", "other"]);
  });
});
