import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderReport } from "./markdownReport";
import type { BenchResults } from "./results";
import { renderTpsChart } from "./svgChart";

const CHART = "tps.svg";

/** `2026-11-24T00:31:22.123Z` → `20261124T003122Z`: a run directory's name. */
export function runStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

export function chartCaption(r: BenchResults): string {
  return `pgbench TPS against clients, production shape, scale ${r.options.scale}, ${r.options.durationS} s per point (${r.startedAt.slice(0, 10)})`;
}

/**
 * results.json, REPORT.md and tps.svg into bench/results/<run>/ (git-ignored), and the report and
 * chart also into bench/ (committed) when a whole `npm run bench` completed: a run that stopped
 * early, was interrupted or measured the bring-up alone does not replace the last complete report.
 */
export function writeOutputs(r: BenchResults, benchDir: string): { runDir: string; latest: boolean } {
  const runDir = path.join(benchDir, "results", runStamp(r.startedAt));
  mkdirSync(runDir, { recursive: true });
  const report = renderReport(r, CHART);
  const chart = renderTpsChart(r.pgbouncer?.points ?? [], chartCaption(r));
  writeFileSync(path.join(runDir, "results.json"), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(path.join(runDir, "REPORT.md"), report);
  if (r.mode === "full") writeFileSync(path.join(runDir, CHART), chart);
  const latest = r.complete && r.mode === "full";
  if (latest) {
    writeFileSync(path.join(benchDir, "REPORT.md"), report);
    writeFileSync(path.join(benchDir, CHART), chart);
  }
  return { runDir, latest };
}
