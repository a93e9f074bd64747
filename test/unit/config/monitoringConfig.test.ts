import { describe, expect, it } from "vitest";
import { humanDuration, longestGapSeconds } from "../../../config/cronGap";
import { DEFAULTS } from "../../../config/defaults";
import { alertRulesPath, maxSlotWalKeepBytes, renderExporterQueries, scrapeConfigPath } from "../../../config/monitoring";
import { parseStackConfig } from "../../../config/parseStackConfig";
import { portCollisions, portPlan, postgresExporterPort } from "../../../config/portPlan";
import { postgresSizeBytes } from "../../../config/postgresSize";
import { renderScrapeConfig, scrapeTargets } from "../../../config/renderScrapeConfig";
import type { StackSettings } from "../../../config/settings";
import { stackConfig } from "../../support/stackConfig";
import { parse, problems } from "../../support/shortConfig";

const HOUR = 3600;

describe("longestGapSeconds", () => {
  it.each<[string, number | undefined]>([
    ["0 3 * * *", 24 * HOUR],
    ["30 2 * * *", 24 * HOUR],
    ["0 */6 * * *", 6 * HOUR],
    ["*/15 * * * *", 15 * 60],
    ["0 5 * * 0", 7 * 24 * HOUR],
    ["0 3,15 * * *", 12 * HOUR],
    ["0 1 * * 1-5", 3 * 24 * HOUR], // Friday 01:00 to Monday 01:00
    ["0 0 1 * *", 31 * 24 * HOUR],
    ["0 0 29 2 *", (4 * 365 + 1) * 24 * HOUR], // leap days, four years apart
    ["@hourly", HOUR],
    ["0 0 30 2 *", undefined], // never fires
  ])("%s leaves at most %s s between runs", (expression, expected) => {
    expect(longestGapSeconds(expression)).toBe(expected);
  });

  it("says durations as people do", () => {
    expect([45, 90, 3600, 5400, 90_000, 3 * 86_400 + 3600].map(humanDuration)).toEqual(["45s", "1m 30s", "1h", "1h 30m", "25h", "3d 1h"]);
  });
});

describe("postgresSizeBytes", () => {
  it("reads sizes as PostgreSQL does, kB to TB in powers of 1024, bare numbers in the setting's unit", () => {
    expect(postgresSizeBytes("4GB")).toBe(4 * 1024 ** 3);
    expect(postgresSizeBytes("512MB")).toBe(512 * 1024 ** 2);
    expect(postgresSizeBytes("2048")).toBe(2048 * 1024 ** 2);
    expect(postgresSizeBytes("64kB")).toBe(64 * 1024);
    expect(postgresSizeBytes("-1")).toBe(-1);
    expect(() => postgresSizeBytes("4 gigs")).toThrow(/not a PostgreSQL size: "4 gigs"/);
  });

  it("follows a stack's own max_slot_wal_keep_size", () => {
    expect(maxSlotWalKeepBytes({ ...DEFAULTS, stack: "t" })).toBe(4 * 1024 ** 3);
    expect(maxSlotWalKeepBytes({ ...DEFAULTS, stack: "t", postgresql: { max_slot_wal_keep_size: "10GB" } })).toBe(10 * 1024 ** 3);
  });
});

describe("pgstack:monitoring", () => {
  it("is off by default and on in production, with ports of its own", () => {
    expect(parse({}).monitoring).toEqual(DEFAULTS.monitoring);
    expect(DEFAULTS.monitoring.enabled).toBe(false);
    const production = parseStackConfig(stackConfig("production"), "production");
    expect(production.monitoring).toMatchObject({ enabled: true, ports: { postgresExporterBase: 25187, pgbouncerExporter: 26127 } });
    expect(parseStackConfig(stackConfig("local"), "local").monitoring.enabled).toBe(false);
  });

  it("fills the fields a stack leaves out, and reads JSON text as Pulumi passes it", () => {
    expect(parse({ monitoring: { enabled: true, ports: { pgbouncerExporter: 7127 } } }).monitoring).toEqual({
      ...DEFAULTS.monitoring,
      enabled: true,
      ports: { ...DEFAULTS.monitoring.ports, pgbouncerExporter: 7127 },
    });
    expect(parse({ monitoring: '{"enabled":"true","maxLagSeconds":"10"}' }).monitoring).toMatchObject({ enabled: true, maxLagSeconds: 10 });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["unknown field", { monitoring: { enable: true } }, /^pgstack:monitoring.enable: unknown field; allowed: enabled, ports/],
    ["unknown port", { monitoring: { ports: { postgres: 1 } } }, /^pgstack:monitoring.ports.postgres: unknown field/],
    ["ports not an object", { monitoring: { ports: 9187 } }, /^pgstack:monitoring.ports: must be an object/],
    ["enabled not a boolean", { monitoring: { enabled: "yes" } }, /^pgstack:monitoring.enabled: must be true or false$/],
    ["lag bound", { monitoring: { maxLagSeconds: 0 } }, /^pgstack:monitoring.maxLagSeconds: must be an integer from 1 to 86400$/],
    ["rules path", { monitoring: { rulesFile: "../x.yml" } }, /^pgstack:monitoring.rulesFile: must be a file path/],
    [
      "exporter on the primary's port",
      { monitoring: { enabled: true, ports: { postgresExporterBase: 7000 } }, ports: { primary: 7000, replicaBase: 7001, pgbouncer: 7100 } },
      /^pgstack:monitoring.ports.postgresExporterBase: collides with primary \(pgstack:ports.primary\) \(host port 7000\)/,
    ],
    [
      "replica exporter on a replica port",
      { replicas: 2, monitoring: { enabled: true, ports: { postgresExporterBase: 7001 } }, ports: { primary: 7000, replicaBase: 7003, pgbouncer: 7100 } },
      /^pgstack:monitoring.ports.postgresExporterBase: collides with replica-1 \(pgstack:ports.replicaBase\) \(host port 7003\)/,
    ],
    [
      "PgBouncer's exporter inside the members' exporters",
      { replicas: 2, monitoring: { enabled: true, ports: { postgresExporterBase: 8000, pgbouncerExporter: 8002 } } },
      /^pgstack:monitoring.ports.pgbouncerExporter: collides with replica-2's postgres_exporter/,
    ],
  ])("refuses %s, naming the key", (_name, config, expected) => {
    expect(problems(config).some((p) => expected.test(p)), problems(config).join("\n")).toBe(true);
  });

  it("checks exporter ports only when monitoring is on", () => {
    expect(() => parse({ monitoring: { enabled: false, ports: { postgresExporterBase: 55432 } } })).not.toThrow();
  });

  it("accepts pinned exporter images and refuses latest", () => {
    expect(parse({ images: { postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1" } }).images.postgresExporter).toBe(
      "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
    );
    expect(problems({ images: { pgbouncerExporter: "prometheuscommunity/pgbouncer-exporter:latest" } })[0]).toMatch(/^pgstack:images.pgbouncerExporter: must be pinned/);
  });
});

describe("the port plan", () => {
  const s = (over: Partial<StackSettings> = {}): StackSettings => ({ ...DEFAULTS, stack: "t", replicas: 2, monitoring: { ...DEFAULTS.monitoring, enabled: true }, ...over });

  it("gives each member's exporter base + its index, and lists every published port", () => {
    expect(["primary", "replica-1", "replica-9"].map((m) => postgresExporterPort(s(), m))).toEqual([59187, 59188, 59196]);
    expect(portPlan(s()).map((p) => `${p.what}=${p.port}`)).toEqual([
      "primary=55432",
      "replica-1=55433",
      "replica-2=55434",
      "pgbouncer=56432",
      "primary's postgres_exporter=59187",
      "replica-1's postgres_exporter=59188",
      "replica-2's postgres_exporter=59189",
      "pgbouncer_exporter=59127",
    ]);
    expect(portCollisions(portPlan(s()))).toEqual([]);
    expect(portPlan(s({ monitoring: DEFAULTS.monitoring })).map((p) => p.what)).toEqual(["primary", "replica-1", "replica-2", "pgbouncer"]);
  });

  it("keeps the committed stacks' ports apart, exporters included, even at nine replicas", () => {
    const used = new Map<number, string>();
    // Production as configured; local with monitoring turned on at the default exporter ports.
    for (const [stack, monitoring] of [["local", true], ["staging", false], ["production", undefined]] as const) {
      const settings = parseStackConfig(stackConfig(stack), stack);
      for (const p of portPlan({ ...settings, replicas: 9, monitoring: { ...settings.monitoring, enabled: monitoring ?? settings.monitoring.enabled } })) {
        expect(used.get(p.port), `${stack} ${p.what} ${p.port}`).toBeUndefined();
        used.set(p.port, `${stack} ${p.what}`);
      }
    }
  });
});

describe("scrape config and files", () => {
  const s: StackSettings = { ...DEFAULTS, stack: "prod", replicas: 1, bindAddress: "0.0.0.0", monitoring: { ...DEFAULTS.monitoring, enabled: true } };

  it("lists every exporter, reachable from the Docker host, with the labels the rules select by", () => {
    expect(scrapeTargets(s)).toEqual([
      { part: "primary", address: "127.0.0.1:59187" },
      { part: "replica-1", address: "127.0.0.1:59188" },
      { part: "pgbouncer", address: "127.0.0.1:59127" },
    ]);
    const text = renderScrapeConfig(s);
    expect(text).toContain('job_name: "pgstack-prod"');
    expect(text.match(/pgstack_stack: "prod"/g)).toHaveLength(3);
    expect(text).toContain('- targets: ["127.0.0.1:59188"]\n        labels:\n          pgstack_stack: "prod"\n          pgstack_part: "replica-1"');
    expect(scrapeTargets({ ...s, monitoring: DEFAULTS.monitoring })).toEqual([]);
  });

  it("puts the rules under .pgstack/<stack>/ unless told where, the scrape config beside them", () => {
    expect(alertRulesPath(s, "/repo")).toBe("/repo/.pgstack/prod/alert-rules.yml");
    expect(alertRulesPath({ ...s, monitoring: { ...s.monitoring, rulesFile: "/etc/prometheus/rules/prod.yml" } }, "/repo")).toBe("/etc/prometheus/rules/prod.yml");
    expect(scrapeConfigPath("/etc/prometheus/rules/prod.yml")).toBe("/etc/prometheus/rules/prod.scrape.yml");
  });

  it("asks postgres_exporter for the backup metrics on the primary only", () => {
    const q = renderExporterQueries();
    expect(q).toContain("FROM pgstack.backup_metrics() WHERE NOT pg_is_in_recovery()");
    expect(q).toMatch(/^pgstack_backup:$/m);
    for (const column of ["newest_timestamp_seconds", "count", "last_run_ok", "last_run_timestamp_seconds"]) expect(q).toContain(`    - ${column}:`);
  });
});
