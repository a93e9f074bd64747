import { describe, expect, it } from "vitest";
import { bringupMedians, bringupSection, bringupTargets, countResources, median, medianRound, roundRatios } from "../../../bench/bringupAnalysis";
import type { GraphResource } from "../../../test/e2e/support/engines/types";
import { BRINGUP_GRAPH, sampleBringup } from "./fixtures";

describe("the bring-up's figures", () => {
  const b = sampleBringup();

  it("computes each round's ratios from its own floor", () => {
    expect(roundRatios(b.rounds[0])).toEqual({ streaming: 13_500 / 2_500, whole: 18_300 / 2_500 });
    expect(roundRatios(b.rounds[1])).toEqual({ streaming: 14_500 / 3_000, whole: 19_300 / 3_000 });
  });

  it("leaves the ratios out of a round whose floor or deploy failed", () => {
    expect(roundRatios({ ...b.rounds[0], floor: { ...b.rounds[0].floor, ok: false } })).toEqual({});
    expect(roundRatios({ ...b.rounds[0], fresh: { ...b.rounds[0].fresh!, ok: false } })).toEqual({});
  });

  it("takes medians over the rounds: of the times, and of the per-round ratios", () => {
    expect(b.medians).toMatchObject({ floorMs: 2_700, streamingMs: 13_900, wholeMs: 18_700, noopMs: 1_440 });
    expect(b.medians.streamingRatio).toBeCloseTo(13_900 / 2_700, 6);
    // Per round ×7.32, ×6.43, ×6.93: the median is round 3's.
    expect(b.medians.wholeRatio).toBeCloseTo(18_700 / 2_700, 6);
    expect(median([3, undefined, 1, NaN])).toBe(2);
    expect(median([])).toBeUndefined();
  });

  it("takes the median of every category of the critical paths", () => {
    const perRound = b.rounds.map((r) => r.streamingPath!.breakdown.totals.healthcheck).sort((x, y) => x - y);
    expect(b.medians.streamingCategories.healthcheck).toBe(perRound[1]);
    expect(Object.values(b.medians.wholeCategories).reduce((a, v) => a! + v!, 0)).toBe(18_700);
  });

  it("picks the round whose streaming time is the median, for the path shown", () => {
    expect(medianRound(b.rounds)?.round).toBe(3);
    expect(b.medianRound).toBe(3);
    expect(medianRound([])).toBeUndefined();
  });

  it("judges the medians against the issue's targets, with the unchanged-deploy limit of the engine", () => {
    expect(b.targets.map((t) => [t.limit, t.met])).toEqual([
      [2, false],
      [2.5, false],
      [1_500, true],
    ]);
    expect(b.targets[2].figure).toBe("unchanged deploy (9 resources)");
    const real = bringupTargets(bringupMedians(b.rounds), "pulumi");
    expect(real[2].limit).toBe(5_000);
    expect(real[0].note).toBe("the ratio targets are set for the harness");
    expect(bringupTargets({ streamingCategories: {}, wholeCategories: {} }, "harness").every((t) => t.met === undefined)).toBe(true);
  });

  it("builds the paths from the streaming check and from the last step", () => {
    const r = b.rounds[0];
    expect(r.streamingPath?.links.map((l) => l.name)).toEqual(["primary", "primary-healthy", "replicator-role", "replica-1", "replica-1-healthy", "streaming-check"]);
    expect(r.wholePath?.target).toBe("backup-healthy");
    expect(r.wholePath?.breakdown.totalMs).toBe(18_300);
    expect(r.streamingPath?.breakdown.totals.start).toBeGreaterThan(0);
  });

  it("survives a run where every deploy failed", () => {
    const failed = bringupSection("harness", 2, b.rounds.map((r) => ({ ...r, fresh: { ...r.fresh!, ok: false }, streamingPath: undefined, wholePath: undefined })));
    expect(failed.medians.streamingMs).toBeUndefined();
    expect(failed.medianRound).toBeUndefined();
    expect(failed.targets[0].met).toBeUndefined();
  });
});

describe("countResources", () => {
  it("counts custom resources and components, neither the stack nor providers", () => {
    const graph: GraphResource[] = [
      ...BRINGUP_GRAPH,
      { urn: "s", type: "pulumi:pulumi:Stack", name: "pgstack-bench", parent: "", custom: false, dependencies: [] },
      { urn: "p", type: "pulumi:providers:docker", name: "default", parent: "", custom: true, dependencies: [] },
    ];
    expect(countResources(graph, 10)).toEqual({ custom: 8, components: 1, total: 9, engineCount: 10 });
  });
});
