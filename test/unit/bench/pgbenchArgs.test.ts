import { describe, expect, it } from "vitest";
import { MAX_THREADS, pgbenchArgs, TARGETS, threadsFor } from "../../../bench/pgbenchArgs";

const base = { target: TARGETS.pgbouncer, workload: "select-only" as const, clients: 1000, durationS: 15, database: "app", user: "app" };

describe("pgbenchArgs", () => {
  it("runs read-only without the pre-run vacuum, simple protocol, against the target", () => {
    expect(pgbenchArgs(base)).toEqual(["pgbench", "-h", "pgbouncer", "-p", "6432", "-U", "app", "-M", "simple", "-c", "1000", "-j", String(MAX_THREADS), "-T", "15", "-S", "-n", "app"]);
  });

  it("keeps the vacuum for TPC-B, and adds -C and the transaction log when asked", () => {
    const args = pgbenchArgs({ ...base, target: TARGETS.direct, workload: "tpcb", clients: 1, connectPerTransaction: true, logPrefix: "/tmp/lat" });
    expect(args).toContain("-C");
    expect(args).toContain("--log-prefix=/tmp/lat");
    expect(args).not.toContain("-S");
    expect(args).not.toContain("-n");
    expect(args.slice(1, 5)).toEqual(["-h", "primary", "-p", "5432"]);
  });

  it("gives each client at most one thread, and never more than the cap", () => {
    expect(threadsFor(1)).toBe(1);
    expect(threadsFor(4)).toBe(4);
    expect(threadsFor(50)).toBe(MAX_THREADS);
  });

  it("refuses nonsense", () => {
    expect(() => pgbenchArgs({ ...base, clients: 0 })).toThrow(RangeError);
    expect(() => pgbenchArgs({ ...base, durationS: 0 })).toThrow(RangeError);
  });
});
