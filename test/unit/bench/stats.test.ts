import { describe, expect, it } from "vitest";
import { distribution, percentile } from "../../../bench/stats";

describe("percentile", () => {
  it("interpolates between the nearest ranks", () => {
    expect(percentile([1, 2], 50)).toBe(1.5);
    expect(percentile([10, 20, 30, 40, 50], 50)).toBe(30);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([0, 100], 99)).toBeCloseTo(99);
  });

  it("does not depend on the input order and leaves the input alone", () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it("gives the extremes at 0 and 100", () => {
    expect(percentile([3, 9, 1], 0)).toBe(1);
    expect(percentile([3, 9, 1], 100)).toBe(9);
  });

  it("is NaN without values and refuses a percentile outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
});

describe("distribution", () => {
  it("summarizes count, mean, p50, p99 and max", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const d = distribution(values)!;
    expect(d.count).toBe(100);
    expect(d.mean).toBe(50.5);
    expect(d.p50).toBe(50.5);
    expect(d.p99).toBeCloseTo(99.01);
    expect(d.max).toBe(100);
  });

  it("handles a transaction log far longer than the call stack allows for spread arguments", () => {
    const values = Array.from({ length: 300_000 }, (_, i) => i % 1000);
    expect(distribution(values)!.max).toBe(999);
  });

  it("is undefined without values", () => {
    expect(distribution([])).toBeUndefined();
  });
});
