import { describe, expect, it } from "vitest";
import type { LagSample } from "../../../bench/lagSampler";
import { summarizeLag } from "../../../bench/lagSummary";

const sample = (replica: string, replayBytes: number, replaySeconds: number | null, syncState = "quorum"): LagSample => ({ atMs: 0, replica, syncState, replayBytes, replaySeconds, flushSeconds: null });

describe("summarizeLag", () => {
  it("summarizes each replica on its own, sorted by name", () => {
    const lag = summarizeLag([sample("replica-2", 100, 0.002), sample("replica-1", 10, 0.001), sample("replica-1", 30, 0.003, "async"), sample("replica-2", 300, 0.004)]);
    expect(lag.map((r) => r.name)).toEqual(["replica-1", "replica-2"]);
    expect(lag[0]).toMatchObject({ samples: 2, syncStates: ["async", "quorum"], secondsMissing: 0 });
    expect(lag[0].bytes).toMatchObject({ p50: 20, max: 30 });
    expect(lag[1].seconds?.max).toBe(0.004);
  });

  it("leaves samples without replay_lag out of the seconds and counts them", () => {
    const [r] = summarizeLag([sample("replica-1", 0, null), sample("replica-1", 50, 0.01)]);
    expect(r.secondsMissing).toBe(1);
    expect(r.seconds?.count).toBe(1);
    expect(r.bytes?.count).toBe(2);
  });

  it("is empty without samples", () => {
    expect(summarizeLag([])).toEqual([]);
  });
});
