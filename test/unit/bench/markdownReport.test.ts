import { describe, expect, it } from "vitest";
import { renderReport } from "../../../bench/markdownReport";
import { cell, codeBlock, table } from "../../../bench/markdown";
import { sampleResults, sampleResultsWithBringup } from "./fixtures";

describe("renderReport", () => {
  const report = renderReport(sampleResults(), "tps.svg");
  const section = (title: string) => report.slice(report.indexOf(title), report.indexOf("\n## ", report.indexOf(title) + 1));

  it("has every section, in order, and embeds the chart", () => {
    const titles = ["# pgstack benchmark", "## Summary", "## 1. Bring-up", "## 2. PgBouncer vs direct connections", "## 3. Replication lag", "## 4. Backup and restore", "## Problems", "## Reproduce"];
    const positions = titles.map((t) => report.indexOf(t));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(report).toContain("![TPS against clients, direct vs PgBouncer](tps.svg)");
  });

  it("states the data size and the machine", () => {
    expect(report).toContain("pgbench scale 50 (5,000,000 accounts): the app database is 780 MB");
    expect(report).toContain("2 CPUs, 24 GiB");
  });

  it("shows each PgBouncer pair with its ratio, and a failed direct run with its reason", () => {
    const s = section("## 2. PgBouncer");
    expect(s).toContain("| read-only | 10 | 40,000 | 0.25 ms | 24,000 | 0.42 ms | ×0.60 |");
    expect(s).toContain("| read-only | 200 | failed: sorry, too many clients already | – | 19,600 |");
    expect(s).toContain("The primary accepts 100 connections");
  });

  it("reads off what PgBouncer costs and buys", () => {
    const s = section("## 2. PgBouncer");
    expect(s).toContain("- Cost: at 10 clients PgBouncer delivers ×0.60 of direct read-only throughput and ×0.82 of TPC-B");
    expect(s).toContain("- Buys: with 200 clients direct connections are refused (max_connections 100) while PgBouncer serves every client over 20 server connections: 19,600 tps read-only, 1,230 tps TPC-B.");
    expect(s).toContain("- Buys: with a new connection per transaction PgBouncer delivers ×1.74 of direct throughput (average connection 19.0 ms vs 33.0 ms).");
  });

  it("names other containers that shared the engine", () => {
    expect(report).toContain("Other containers ran on this Docker engine during the run and shared its CPUs (checked every 10 s): e2e-failover-primary.");
    expect(renderReport({ ...sampleResults(), neighbours: [] })).toContain("No other container ran on this Docker engine during the run.");
  });

  it("gives the cost of synchronous commit from the pair measured in the run", () => {
    const s = section("## 3. Replication lag");
    expect(s).toContain("Synchronous commit adds 0.24 ms at p50 (×1.27)");
    expect(s).toContain("| sync | replica-1 | quorum | 1,819 | 150 | 1.1 kB / 9.6 kB / 9.7 kB |");
  });

  it("reports a failed restore in one line in the table and in full with its logs below", () => {
    const s = section("## 4. Backup and restore");
    expect(s).toContain('| base backup + WAL to a time | 2026-11-24T01:08:00Z | FAILED |');
    expect(s).toContain('invalid value for parameter "recovery_target_time"');
    expect(s).toContain("### pitr: what failed");
    expect(s).toContain("````\nline one\nline ``` two\n````");
    expect(s).toContain("| base backup + all archived WAL | end of the archive | ok | 26.0 s | 30.0 s | primary 9.0 s | 3 s | 70.0 MB |");
  });

  it("lists the problems in one line each", () => {
    const s = section("## Problems");
    expect(s).toContain('- backup-drill.sh failed: dump: restoring x.dump failed: Peer authentication failed for user "pgstack_backup"');
    expect(s.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(2);
    expect(s).not.toContain("pg_ctl: could not start server");
  });

  it("says so when a part was not measured", () => {
    const r = sampleResults();
    delete r.pgbouncer;
    r.problems = [];
    const other = renderReport(r);
    expect(other).toContain("## 2. PgBouncer vs direct connections\n\nNot measured (see Problems).");
    expect(other).toContain("None: every part was measured.");
  });
});

describe("the bring-up section", () => {
  const report = renderReport(sampleResultsWithBringup());
  const section = report.slice(report.indexOf("## 1. Bring-up"), report.indexOf("\n## 2."));

  it("says which engine deployed, how many rounds, and judges the medians against the targets", () => {
    expect(report).toContain("- Engine: the e2e harness");
    expect(section).toContain("3 round(s) of 3 asked");
    expect(section).toContain("| fresh deploy → streaming verified, over the floor | ×5.15 | ≤ ×2 | missed |");
    expect(section).toContain("| unchanged deploy (9 resources) | 1.44 s | ≤ 1.5 s | met |");
    expect(section).toContain("The stack has 9 resources (8 with a step of their own, 1 components).");
  });

  it("lists every round with its own ratios, then the medians", () => {
    expect(section).toContain("| 1 | 2.50 s | 13.50 s | ×5.40 | 18.30 s | ×7.32 | 1.40 s |");
    expect(section).toContain("| median | 2.70 s | 13.90 s | ×5.15 | 18.70 s | ×6.93 | 1.44 s |");
  });

  it("shows the median round's floor steps, critical paths, breakdown and containers", () => {
    expect(section).toContain("### The floor, step by step (round 3)");
    expect(section).toContain("| primary: docker run | 0.10 s | 0.40 s | 0.30 s |");
    expect(section).toContain("### Critical path to verified streaming (round 3)");
    expect(section).toContain("| 4 | replica-1 | create | replicator-role |");
    expect(section).toContain("### Critical path of the whole deploy (round 3), back from backup-healthy");
    expect(section).toMatch(/\| healthcheck wait: until the first passing check \| \d+\.\d\d s \(\d+ %\) \|/);
    expect(section).toContain("| replica-1: ready, no healthcheck run yet (1 failed before) |");
    expect(section).toContain("| primary | 1.00 s | 1.40 s | 1.41 s → 2.90 s | 3.00 s | 6.40 s | 6.85 s | 3.85 s |");
  });

  it("keeps the deploys of the measured stack under it, and the later sections", () => {
    expect(section).toContain("### Deploys of the measured stack");
    expect(report).toContain("## 2. PgBouncer vs direct connections");
  });

  it("renders a bring-up run alone, without the sections it did not measure", () => {
    const alone = renderReport({ ...sampleResultsWithBringup(), mode: "bringup" });
    expect(alone).toContain("with `npm run bench:bringup` (the bring-up phase alone)");
    expect(alone).toContain("## 1. Bring-up");
    expect(alone).not.toContain("## 2. PgBouncer");
    expect(alone).not.toContain("### Deploys of the measured stack");
    expect(alone).not.toContain("- Data:");
    expect(alone).toContain("## Reproduce");
  });

  it("shows the real CLI's own figures when it deployed", () => {
    const r = sampleResultsWithBringup();
    r.engine = "pulumi";
    r.engineVersion = "v3.276.0";
    r.bringup!.engine = "pulumi";
    r.bringup!.rounds[0].fresh = { ...r.bringup!.rounds[0].fresh!, cliDurationMs: 26_000, wallMs: 27_500 };
    const text = renderReport(r);
    expect(text).toContain("the real Pulumi CLI v3.276.0 (Automation API");
    expect(text).toContain('CLI "Duration" 26 s; with reading outputs 27.50 s');
  });
});

describe("markdown building blocks", () => {
  it("escapes pipes and flattens line breaks in cells", () => {
    expect(cell("a | b\nc")).toBe("a \\| b c");
    expect(table(["x", "y"], [["1", "2|3"]])).toBe("| x | y |\n| --- | --- |\n| 1 | 2\\|3 |");
  });

  it("fences code with more backticks than it holds", () => {
    expect(codeBlock("plain")).toBe("```\nplain\n```");
    expect(codeBlock("has ``` inside")).toBe("````\nhas ``` inside\n````");
  });
});
