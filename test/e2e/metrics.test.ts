import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { inspect } from "../support/docker";
import { ensurePromtool, promtool } from "../unit/status/support/promtool";
import type { HarnessResult } from "./harness/result";
import { outputsOf, type ClusterOutputs } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { fromUrl, query } from "./support/pg";
import { pollUntil } from "./support/poll";

// pgstack:monitoring on the production shape (two replicas), with the exporters built from
// Debian's packages: both exporters scraped for real, the backup metrics, the rules file the
// stack exports, and an unchanged redeploy.

const dir = mkdtempSync(path.join(tmpdir(), "pgstack-e2e-metrics-"));
const exporterPorts = { postgresExporterBase: 31187, pgbouncerExporter: 31127 };
const stack = new E2EStack({
  stack: "e2e-st-metrics",
  configFrom: "production",
  config: {
    images: inject("images"),
    protectData: false,
    ports: { primary: 31432, replicaBase: 31433, pgbouncer: 31532 },
    monitoring: { enabled: true, ports: exporterPorts, rulesFile: path.join(dir, "rules", "alert-rules.yml") },
  },
});
let first: HarnessResult;
let outputs: ClusterOutputs;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The exposition format's sample lines (no HELP/TYPE), parsed. */
function parseMetrics(text: string): Sample[] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

async function scrape(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return parseMetrics(await res.text());
}

const named = (samples: Sample[], name: string) => samples.filter((s) => s.name === name);

beforeAll(async () => {
  ensurePromtool();
  first = await stack.up();
  outputs = outputsOf(first);
});
afterAll(async () => {
  await stack.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("metrics exporters", () => {
  it("runs every exporter healthy and exports where they listen", async () => {
    for (const part of ["primary-exporter", "replica-1-exporter", "replica-2-exporter", "pgbouncer-exporter"]) {
      const info = await inspect<{ State: { Health?: { Status: string } } }>(stack.container(part));
      expect(info.State.Health?.Status, part).toBe("healthy");
    }
    expect((first.outputs.monitoring as { targets: Record<string, string> }).targets).toEqual({
      primary: "127.0.0.1:31187",
      "replica-1": "127.0.0.1:31188",
      "replica-2": "127.0.0.1:31189",
      pgbouncer: "127.0.0.1:31127",
    });
  });

  it("finds pg_up 1 on every member and one streaming pg_stat_replication series per replica on the primary", async () => {
    for (const [i, member] of ["primary", "replica-1", "replica-2"].entries()) {
      const samples = await scrape(exporterPorts.postgresExporterBase + i);
      expect(named(samples, "pg_up").map((s) => s.value), member).toEqual([1]);
      expect(named(samples, "pg_replication_is_replica").map((s) => s.value), member).toEqual([i === 0 ? 0 : 1]);
    }
    const primary = await scrape(exporterPorts.postgresExporterBase);
    const replication = named(primary, "pg_stat_replication_pg_wal_lsn_diff");
    expect(replication.map((s) => [s.labels.application_name, s.labels.state]).sort()).toEqual([
      ["replica-1", "streaming"],
      ["replica-2", "streaming"],
    ]);
    expect(named(primary, "pg_replication_slot_safe_wal_size_bytes").map((s) => s.labels.slot_name).sort()).toEqual(["replica_1", "replica_2"]);
    expect(named(primary, "pg_stat_archiver_archived_count")[0].value).toBeGreaterThan(0);
  });

  it("reports the backups from the primary only: the first base backup, no dump yet", async () => {
    const metrics = await pollUntil(
      "the first base backup in the primary's backup metrics",
      async () => {
        const samples = await scrape(exporterPorts.postgresExporterBase);
        const base = named(samples, "pgstack_backup_count").find((s) => s.labels.kind === "base");
        return base && base.value >= 1 ? samples : undefined;
      },
      120_000,
      2000,
    );
    const byKind = (name: string) => Object.fromEntries(named(metrics, name).map((s) => [s.labels.kind, s.value]));
    expect(byKind("pgstack_backup_last_run_ok").base).toBe(1);
    expect(Number.isNaN(byKind("pgstack_backup_last_run_ok").drill)).toBe(true);
    expect(byKind("pgstack_backup_count").dump).toBe(0);
    // No dump yet: counted from the backup storage's creation, minutes ago.
    expect(Date.now() / 1000 - byKind("pgstack_backup_newest_timestamp_seconds").dump).toBeLessThan(600);
    const replica = await scrape(exporterPorts.postgresExporterBase + 1);
    expect(named(replica, "pgstack_backup_count")).toEqual([]);
  });

  it("finds PgBouncer's pool metrics for the application's database once a client connected", async () => {
    await query(fromUrl(outputs.writeUrl), "SELECT 1");
    const samples = await scrape(exporterPorts.pgbouncerExporter);
    expect(named(samples, "pgbouncer_up").map((s) => s.value)).toEqual([1]);
    const pool = (name: string) => named(samples, name).find((s) => s.labels.database === "app" && s.labels.user === "app");
    expect(pool("pgbouncer_pools_client_waiting_connections")?.value).toBe(0);
    expect(pool("pgbouncer_pools_server_idle_connections")?.value).toBeGreaterThanOrEqual(1);
    expect(named(samples, "pgbouncer_pools_client_maxwait_seconds").some((s) => s.labels.database === "app")).toBe(true);
  });

  it("logs the exporters in from a password file: no password in their environment or command line", async () => {
    const password = stack.password("stats");
    for (const part of ["primary-exporter", "pgbouncer-exporter"]) {
      const info = await inspect<{ Config: { Env: string[]; Cmd: string[]; Entrypoint: string[] } }>(stack.container(part));
      const visible = [...info.Config.Env, ...info.Config.Cmd, ...info.Config.Entrypoint].join("\n");
      expect(visible).not.toContain(password);
      expect(visible).toContain("pgstack_stats@");
    }
  });

  it("writes alert rules promtool accepts, and a scrape config, at the paths the stack exports", () => {
    const m = first.outputs.monitoring as { alertRulesFile: string; scrapeConfigFile: string };
    expect(m.alertRulesFile).toBe(path.join(dir, "rules", "alert-rules.yml"));
    const check = promtool(["check", "rules", m.alertRulesFile], dir);
    expect(check.code, check.output).toBe(0);
    expect(readFileSync(m.alertRulesFile, "utf8")).toContain('pg_stat_replication_pg_wal_lsn_diff{pgstack_stack=\\"e2e-st-metrics\\", state=\\"streaming\\"}) or vector(0)) < 2');
    expect(readFileSync(m.scrapeConfigFile, "utf8")).toContain('- targets: ["127.0.0.1:31189"]');
  });

  it("changes nothing when deployed again unchanged", async () => {
    const again = await stack.up();
    expect(again.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`)).toEqual([]);
  });
});
