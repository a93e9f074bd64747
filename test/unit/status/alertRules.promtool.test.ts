import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../config/defaults";
import { alertRules, renderAlertRules } from "../../../config/renderAlertRules";
import type { StackSettings } from "../../../config/settings";
import { ensurePromtool, promtool } from "./support/promtool";

// The rendered alert rules, checked and unit-tested by Prometheus' own promtool: for each alert a
// series that fires it and one that must not (below its bound, another stack, another kind).

const settings: StackSettings = {
  ...DEFAULTS,
  stack: "prod",
  replicas: 2,
  syncReplicas: 1,
  monitoring: { ...DEFAULTS.monitoring, enabled: true },
};
const rulesByName = Object.fromEntries(alertRules(settings).map((r) => [r.alert, r]));

const base = { pgstack_stack: "prod", job: "pgstack-prod" };
type Labels = Record<string, string>;
const series = (metric: string, labels: Labels, values: string) =>
  ({ series: `${metric}{${Object.entries({ ...base, ...labels }).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}`, values });

/** The alert as promtool reports it: the series' labels, the rule's, and its annotations expanded. */
function expected(alert: string, labels: Labels, value: string, withBase = true) {
  const rule = rulesByName[alert];
  const all: Labels = { ...(withBase ? base : { pgstack_stack: "prod" }), ...labels, severity: rule.severity };
  const expand = (t: string) => t.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, l: string) => all[l] ?? "").replace(/\{\{ \$value \}\}/g, value);
  return { exp_labels: all, exp_annotations: { summary: expand(rule.summary), description: expand(rule.description) } };
}

const HOUR = 60;
const test = {
  rule_files: ["alert-rules.yml"],
  evaluation_interval: "1m",
  tests: [
    {
      interval: "1m",
      input_series: [
        series("pg_up", { pgstack_part: "primary", instance: "p" }, "1x20"),
        series("pg_up", { pgstack_part: "replica-1", instance: "r1" }, "0x20"),
        series("pg_up", { pgstack_stack: "other", pgstack_part: "primary", instance: "o" }, "0x20"),
        series("up", { pgstack_part: "replica-2", instance: "r2" }, "0x20"),
        series("pg_stat_replication_pg_wal_lsn_diff", { pgstack_part: "primary", instance: "p", application_name: "replica-1", state: "streaming" }, "0x20"),
        series("pg_stat_replication_pg_wal_lsn_diff", { pgstack_part: "primary", instance: "p", application_name: "replica-2", state: "catchup" }, "20000000x20"),
        series("pg_replication_lag_seconds", { pgstack_part: "replica-1", instance: "r1" }, "45x20"),
        series("pg_replication_lag_seconds", { pgstack_part: "replica-2", instance: "r2" }, "5x20"),
        series("pg_replication_slot_safe_wal_size_bytes", { pgstack_part: "primary", instance: "p", slot_name: "replica_1" }, "1000000000x20"),
        series("pg_replication_slot_safe_wal_size_bytes", { pgstack_part: "primary", instance: "p", slot_name: "replica_2" }, "4000000000x20"),
        series("pg_stat_archiver_failed_count", { pgstack_part: "primary", instance: "p" }, "0+1x20"),
        series("pg_stat_archiver_failed_count", { pgstack_part: "replica-1", instance: "r1" }, "3x20"),
        series("pgstack_backup_last_run_ok", { pgstack_part: "primary", instance: "p", kind: "drill" }, "0x20"),
        series("pgstack_backup_last_run_ok", { pgstack_part: "primary", instance: "p", kind: "dump" }, "0x20"),
        series("pgbouncer_pools_client_waiting_connections", { pgstack_part: "pgbouncer", instance: "b", database: "app", user: "app" }, "3x20"),
        series("pgbouncer_pools_client_maxwait_seconds", { pgstack_part: "pgbouncer", instance: "b", database: "app", user: "app" }, "8x20"),
        series("pgbouncer_pools_client_waiting_connections", { pgstack_part: "pgbouncer", instance: "b", database: "app_ro", user: "app" }, "1x20"),
        series("pgbouncer_pools_client_maxwait_seconds", { pgstack_part: "pgbouncer", instance: "b", database: "app_ro", user: "app" }, "2x20"),
        series("pgbouncer_up", { pgstack_part: "pgbouncer", instance: "b" }, "0x20"),
      ],
      alert_rule_test: [
        { eval_time: "30s", alertname: "PgstackMemberDown", exp_alerts: [] },
        {
          eval_time: "5m",
          alertname: "PgstackMemberDown",
          exp_alerts: [expected("PgstackMemberDown", { pgstack_part: "replica-1", instance: "r1" }, "0"), expected("PgstackMemberDown", { pgstack_part: "replica-2", instance: "r2" }, "0")],
        },
        { eval_time: "5m", alertname: "PgstackReplicaNotStreaming", exp_alerts: [expected("PgstackReplicaNotStreaming", {}, "1", false)] },
        {
          eval_time: "5m",
          alertname: "PgstackReplicaLagBytes",
          exp_alerts: [expected("PgstackReplicaLagBytes", { pgstack_part: "primary", instance: "p", application_name: "replica-2", state: "catchup" }, "2e+07")],
        },
        { eval_time: "1m", alertname: "PgstackReplicaLagSeconds", exp_alerts: [] },
        { eval_time: "5m", alertname: "PgstackReplicaLagSeconds", exp_alerts: [expected("PgstackReplicaLagSeconds", { pgstack_part: "replica-1", instance: "r1" }, "45")] },
        { eval_time: "4m", alertname: "PgstackSlotWalOverHalf", exp_alerts: [] },
        { eval_time: "10m", alertname: "PgstackSlotWalOverHalf", exp_alerts: [expected("PgstackSlotWalOverHalf", { pgstack_part: "primary", instance: "p", slot_name: "replica_1" }, "1e+09")] },
        { eval_time: "15m", alertname: "PgstackWalArchivingFailing", exp_alerts: [expected("PgstackWalArchivingFailing", { pgstack_part: "primary", instance: "p" }, "10")] },
        { eval_time: "1m", alertname: "PgstackRestoreDrillFailed", exp_alerts: [expected("PgstackRestoreDrillFailed", { pgstack_part: "primary", instance: "p", kind: "drill" }, "0")] },
        {
          eval_time: "5m",
          alertname: "PgstackPgbouncerClientsWaiting",
          exp_alerts: [expected("PgstackPgbouncerClientsWaiting", { pgstack_part: "pgbouncer", instance: "b", database: "app", user: "app" }, "3")],
        },
        { eval_time: "5m", alertname: "PgstackPgbouncerDown", exp_alerts: [expected("PgstackPgbouncerDown", { pgstack_part: "pgbouncer", instance: "b" }, "0")] },
      ],
    },
    {
      // A healthy stack: nothing fires.
      interval: "1m",
      input_series: [
        series("pg_up", { pgstack_part: "primary", instance: "p" }, "1x20"),
        series("up", { pgstack_part: "primary", instance: "p" }, "1x20"),
        series("pg_stat_replication_pg_wal_lsn_diff", { pgstack_part: "primary", instance: "p", application_name: "replica-1", state: "streaming" }, "0x20"),
        series("pg_stat_replication_pg_wal_lsn_diff", { pgstack_part: "primary", instance: "p", application_name: "replica-2", state: "streaming" }, "1000x20"),
        series("pg_stat_archiver_failed_count", { pgstack_part: "primary", instance: "p" }, "3x20"),
        series("pgstack_backup_last_run_ok", { pgstack_part: "primary", instance: "p", kind: "drill" }, "1x20"),
        series("pgbouncer_up", { pgstack_part: "pgbouncer", instance: "b" }, "1x20"),
      ],
      alert_rule_test: ["PgstackMemberDown", "PgstackReplicaNotStreaming", "PgstackReplicaLagBytes", "PgstackWalArchivingFailing", "PgstackRestoreDrillFailed", "PgstackPgbouncerDown"].map(
        (alertname) => ({ eval_time: "15m", alertname, exp_alerts: [] }),
      ),
    },
    {
      // Backups against their schedules (daily, 03:00 and 02:30; longest gap 24 h, plus 60 min of
      // grace): a dump that stopped at t=0 is overdue after 25 h; base backups come until 10 h,
      // then stop, and are overdue from 35 h.
      interval: "1m",
      input_series: [
        series("pgstack_backup_newest_timestamp_seconds", { pgstack_part: "primary", instance: "p", kind: "dump" }, `0x${40 * HOUR}`),
        series("pgstack_backup_newest_timestamp_seconds", { pgstack_part: "primary", instance: "p", kind: "base" }, `0+60x${10 * HOUR} ${10 * HOUR * 60}x${30 * HOUR}`),
      ],
      alert_rule_test: [
        { eval_time: "24h", alertname: "PgstackDumpOverdue", exp_alerts: [] },
        { eval_time: "25h10m", alertname: "PgstackDumpOverdue", exp_alerts: [expected("PgstackDumpOverdue", { pgstack_part: "primary", instance: "p", kind: "dump" }, "90600")] },
        { eval_time: "29h", alertname: "PgstackBaseBackupOverdue", exp_alerts: [] },
        { eval_time: "34h", alertname: "PgstackBaseBackupOverdue", exp_alerts: [] },
        { eval_time: "36h", alertname: "PgstackBaseBackupOverdue", exp_alerts: [expected("PgstackBaseBackupOverdue", { pgstack_part: "primary", instance: "p", kind: "base" }, "93600")] },
      ],
    },
  ],
};

let dir: string;
beforeAll(() => {
  ensurePromtool();
  dir = mkdtempSync(path.join(tmpdir(), "pgstack-rules-"));
  writeFileSync(path.join(dir, "alert-rules.yml"), renderAlertRules(settings));
  // JSON is YAML: promtool reads the test file as written.
  writeFileSync(path.join(dir, "alert-rules.test.yml"), JSON.stringify(test, null, 2));
}, 900_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("alert rules under promtool", () => {
  it("pass promtool check rules", () => {
    const r = promtool(["check", "rules", "alert-rules.yml"], dir);
    expect(r.output).toContain(`SUCCESS: ${alertRules(settings).length} rules found`);
    expect(r.code, r.output).toBe(0);
  }, 60_000);

  it("fire on the series that should fire them and stay quiet on the others (promtool test rules)", () => {
    const r = promtool(["test", "rules", "alert-rules.test.yml"], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("SUCCESS");
  }, 60_000);

  it("fail promtool test rules when a bound is wrong, so the test above can fail", () => {
    const loose = { ...settings, monitoring: { ...settings.monitoring, maxLagSeconds: 60 } };
    writeFileSync(path.join(dir, "alert-rules.yml"), renderAlertRules(loose));
    try {
      const r = promtool(["test", "rules", "alert-rules.test.yml"], dir);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain("PgstackReplicaLagSeconds");
    } finally {
      writeFileSync(path.join(dir, "alert-rules.yml"), renderAlertRules(settings));
    }
  }, 60_000);

  it("covers every rule the renderer writes", () => {
    const tested = new Set(test.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    const untested = alertRules(settings).map((r) => r.alert).filter((a) => !tested.has(a));
    expect(untested).toEqual([]);
  });
});
