import { describe, expect, it } from "vitest";
import { renderConsoleTable, summaryRows } from "../../../bench/summary";
import { sampleResults, sampleResultsWithBringup } from "./fixtures";

describe("summaryRows", () => {
  const rows = Object.fromEntries(summaryRows(sampleResults()));

  it("gives deploy times", () => {
    expect(rows["Fresh deploy → streaming verified"]).toBe("17.0 s (whole deploy 20.7 s)");
    expect(rows["Unchanged redeploy"]).toBe("1.5 s");
  });

  it("pairs PgBouncer with direct at the fewest and the most clients", () => {
    expect(rows["Read-only, 10 clients"]).toBe("PgBouncer 24,000 tps vs direct 40,000 tps (×0.60)");
    expect(rows["TPC-B, 200 clients"]).toBe("PgBouncer 1,230 tps vs direct failed (sorry, too many clients already)");
    expect(rows["New connection per transaction, 50 clients"]).toBe("PgBouncer 410 tps vs direct 236 tps (×1.74)");
  });

  it("compares commit latency and lag across replication modes", () => {
    expect(rows["1-client TPC-B latency p50, sync vs async"]).toBe("1.14 ms vs 0.90 ms (×1.27)");
    expect(rows["Replay lag p99 under 2,011 tps, async"]).toBe("10.0 kB / 1.15 ms (replica-1, the worse replica)");
  });

  it("reports backups, and a failed restore by its cause", () => {
    expect(rows["Base backup (verified, gzip)"]).toBe("60.0 MB in 9.0 s");
    expect(rows["Restore drill (dump + base backup, checked)"]).toMatch(/^failed: dump: restoring x.dump failed/);
    expect(rows["Point-in-time restore → streaming verified"]).toMatch(/^FAILED: .*invalid value for parameter "recovery_target_time"/);
    expect(rows["Restore to end of archive → streaming verified"]).toBe("26.0 s");
    expect(rows["Restore from dump → cluster ready"]).toBe("45.0 s");
  });
});

describe("summaryRows with the bring-up phase", () => {
  const rows = Object.fromEntries(summaryRows(sampleResultsWithBringup()));

  it("gives the engine, the floor, the ratios against their targets and the unchanged deploy", () => {
    expect(rows["Bring-up engine"]).toBe("the e2e harness; medians of 3 rounds");
    expect(rows["Floor: by hand, both replicas streaming"]).toBe("2.70 s");
    expect(rows["Fresh deploy → streaming verified"]).toBe("13.90 s = ×5.15 the floor (target ≤ ×2, missed)");
    expect(rows["Whole deploy (PgBouncer and backup healthy)"]).toBe("18.70 s = ×6.93 the floor (target ≤ ×2.5, missed)");
    expect(rows["Unchanged deploy (9 resources)"]).toBe("1.44 s (target ≤ 1.5 s, met)");
    expect(rows["Unchanged redeploy"]).toBeUndefined();
  });

  it("names where most of the time to streaming went", () => {
    expect(rows["Critical path to streaming: the most time"]).toMatch(/^healthcheck wait: until the first passing check \d+\.\d s, /);
  });
});

describe("renderConsoleTable", () => {
  it("aligns the values in one column", () => {
    expect(renderConsoleTable([["a", "1"], ["longer", "2"]])).toBe("a       1\nlonger  2");
  });
});
