import { describe, expect, it } from "vitest";
import { bytes, count, millis, ratio, seconds } from "../../../bench/format";
import { parseImageLines } from "../../../bench/localImages";
import { foreignContainers } from "../../../bench/neighbours";
import { formatElapsed, Progress } from "../../../bench/progress";
import { runStamp } from "../../../bench/writeOutputs";

describe("format", () => {
  it("writes durations, sizes, counts and ratios the way the report shows them", () => {
    expect(seconds(17_049)).toBe("17.0 s");
    expect(seconds(undefined)).toBe("–");
    expect(millis(0.2345)).toBe("0.23 ms");
    expect(millis(12.34)).toBe("12.3 ms");
    expect(millis(163.4)).toBe("163 ms");
    expect(bytes(512)).toBe("512 B");
    expect(bytes(82.3 * 2 ** 20)).toBe("82.3 MB");
    expect(bytes(780 * 2 ** 20)).toBe("780 MB");
    expect(count(41178.4)).toBe("41,178");
    expect(ratio(24_484, 41_178)).toBe("×0.59");
    expect(ratio(1, 0)).toBe("–");
  });
});

describe("progress", () => {
  it("stamps lines with minutes and seconds since the start", () => {
    expect(formatElapsed(0)).toBe(" 0:00");
    expect(formatElapsed(754_900)).toBe("12:34");
    const lines: string[] = [];
    new Progress((l) => lines.push(l)).log("deploying");
    expect(lines).toEqual(["[bench  0:00] deploying\n"]);
  });
});

describe("parseImageLines", () => {
  it("reads the two image names build-images.sh prints", () => {
    expect(parseImageLines("build-images: reused\npostgres=pgstack-local/postgres:17-abc\npgbouncer=pgstack-local/pgbouncer:1.24-abc\n")).toEqual({
      postgres: "pgstack-local/postgres:17-abc",
      pgbouncer: "pgstack-local/pgbouncer:1.24-abc",
    });
    expect(() => parseImageLines("postgres=x\n")).toThrow(/no image names/);
  });
});

describe("runStamp", () => {
  it("names a run's directory after its start, sortable and without colons", () => {
    expect(runStamp("2026-11-24T00:42:42.338Z")).toBe("20261124T004242Z");
  });
});

describe("foreignContainers", () => {
  it("keeps the containers that are not the benchmark's", () => {
    expect(foreignContainers(["bench-primary", "e2e-failover-primary", "", "bench-pitr-replica-1", "benchmark-x", "a"], "bench")).toEqual(["a", "benchmark-x", "e2e-failover-primary"]);
  });
});
