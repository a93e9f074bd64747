import { describe, expect, it } from "vitest";
import { benchOptions, DEFAULT_OPTIONS } from "../../../bench/options";

describe("benchOptions", () => {
  it("defaults to the full run", () => {
    expect(benchOptions({})).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS.clients).toEqual([10, 50, 200, 1000]);
  });

  it("reads every variable", () => {
    expect(
      benchOptions({
        PGSTACK_BENCH_DURATION: "5",
        PGSTACK_BENCH_SCALE: "10",
        PGSTACK_BENCH_CLIENTS: "200, 10,10",
        PGSTACK_BENCH_LAG_DURATION: "8",
        PGSTACK_BENCH_LAG_CLIENTS: "4",
        PGSTACK_BENCH_SAMPLE_MS: "100",
        PGSTACK_BENCH_RESTORES: "0",
        PGSTACK_BENCH_BRINGUP_ROUNDS: "5",
        PGSTACK_BENCH_ENGINE: "harness",
      }),
    ).toEqual({ durationS: 5, scale: 10, clients: [10, 200], lagDurationS: 8, lagClients: 4, sampleIntervalMs: 100, restores: false, bringupRounds: 5, engine: "harness" });
    expect(benchOptions({ PGSTACK_BENCH_ENGINE: "pulumi" }).engine).toBe("pulumi");
    expect(DEFAULT_OPTIONS.bringupRounds).toBe(3);
    expect(DEFAULT_OPTIONS.engine).toBeUndefined();
  });

  it("names every bad variable at once, with what is allowed", () => {
    let message = "";
    try {
      benchOptions({ PGSTACK_BENCH_DURATION: "0", PGSTACK_BENCH_SCALE: "big", PGSTACK_BENCH_CLIENTS: "10,x", PGSTACK_BENCH_RESTORES: "yes", PGSTACK_BENCH_LAG_CLIENTS: "500", PGSTACK_BENCH_BRINGUP_ROUNDS: "0", PGSTACK_BENCH_ENGINE: "terraform" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("PGSTACK_BENCH_DURATION=0: must be an integer from 1 to 600");
    expect(message).toContain("PGSTACK_BENCH_SCALE=big");
    expect(message).toContain("PGSTACK_BENCH_CLIENTS=10,x");
    expect(message).toContain("PGSTACK_BENCH_RESTORES=yes: must be 0 or 1");
    // The write load connects directly: it must stay under max_connections.
    expect(message).toContain("PGSTACK_BENCH_LAG_CLIENTS=500: must be an integer from 1 to 90");
    expect(message).toContain("PGSTACK_BENCH_BRINGUP_ROUNDS=0: must be an integer from 1 to 20");
    expect(message).toContain("PGSTACK_BENCH_ENGINE=terraform: must be pulumi or harness");
  });
});
