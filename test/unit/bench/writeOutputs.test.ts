import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeOutputs } from "../../../bench/writeOutputs";
import { sampleResults } from "./fixtures";

describe("writeOutputs", () => {
  const dirs: string[] = [];
  const benchDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pgstack-bench-test-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("writes the run's results, report and chart, and the latest report when the run completed", () => {
    const dir = benchDir();
    const { runDir, latest } = writeOutputs(sampleResults(), dir);
    expect(runDir).toBe(path.join(dir, "results", "20261124T010000Z"));
    expect(latest).toBe(true);
    expect(JSON.parse(readFileSync(path.join(runDir, "results.json"), "utf8")).pgbouncer.maxConnections).toBe(100);
    expect(readFileSync(path.join(runDir, "REPORT.md"), "utf8")).toContain("](tps.svg)");
    expect(readFileSync(path.join(runDir, "tps.svg"), "utf8")).toMatch(/^<svg /);
    expect(readFileSync(path.join(dir, "REPORT.md"), "utf8")).toBe(readFileSync(path.join(runDir, "REPORT.md"), "utf8"));
  });

  it("keeps the last full report when only the bring-up phase ran", () => {
    const dir = benchDir();
    const { runDir, latest } = writeOutputs({ ...sampleResults(), mode: "bringup" }, dir);
    expect(latest).toBe(false);
    expect(readFileSync(path.join(runDir, "REPORT.md"), "utf8")).toContain("npm run bench:bringup");
    expect(existsSync(path.join(runDir, "tps.svg"))).toBe(false);
    expect(existsSync(path.join(dir, "REPORT.md"))).toBe(false);
  });

  it("keeps the last complete report when a run stopped early or was interrupted", () => {
    const dir = benchDir();
    const { runDir, latest } = writeOutputs({ ...sampleResults(), complete: false }, dir);
    expect(latest).toBe(false);
    expect(existsSync(path.join(runDir, "REPORT.md"))).toBe(true);
    expect(existsSync(path.join(dir, "REPORT.md"))).toBe(false);
    expect(existsSync(path.join(dir, "tps.svg"))).toBe(false);
  });
});
