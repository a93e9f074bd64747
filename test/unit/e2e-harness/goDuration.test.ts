import { describe, expect, it } from "vitest";
import { parseGoDuration } from "../../e2e/harness/goDuration";

describe("parseGoDuration", () => {
  it("reads Docker healthcheck durations as Go does, in nanoseconds", () => {
    expect(parseGoDuration("5s")).toBe(5e9);
    expect(parseGoDuration("1m30s")).toBe(90e9);
    expect(parseGoDuration("500ms")).toBe(5e8);
    expect(parseGoDuration("1.5h")).toBe(5400e9);
    expect(parseGoDuration("0")).toBe(0);
  });

  it("refuses what Go would not parse instead of disabling the check", () => {
    for (const bad of ["5", "", "s", "5 s", "5sec", "-"]) expect(() => parseGoDuration(bad), bad).toThrow(/not a Go duration/);
  });
});
