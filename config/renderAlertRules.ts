import { humanDuration, longestGapSeconds } from "./cronGap";
import { maxSlotWalKeepBytes } from "./monitoring";
import type { StackSettings } from "./settings";

/**
 * Prometheus alert rules for one stack, rendered from its settings: the same bounds `npm run
 * status` judges by. Every series is selected by the `pgstack_stack` target label, which the
 * scrape config pgstack writes beside the rules (renderScrapeConfig.ts) puts on each exporter.
 * Metric names are the exporters' own (postgres_exporter 0.17, pgbouncer_exporter 0.10) and
 * pgstack's backup metrics (config/monitoring.ts).
 */

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: "critical" | "warning";
  summary: string;
  description: string;
}

const quoteLabel = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Rules for `s`; a rule whose subject the stack does not have (no replicas) is left out. */
export function alertRules(s: StackSettings): AlertRule[] {
  const m = s.monitoring;
  const sel = (extra = "") => `{pgstack_stack=${quoteLabel(s.stack)}${extra ? `, ${extra}` : ""}}`;
  const halfSlotBytes = Math.floor(maxSlotWalKeepBytes(s) / 2);
  const graceSeconds = m.backupGraceMinutes * 60;
  const rules: AlertRule[] = [
    {
      alert: "PgstackMemberDown",
      expr: `pg_up${sel()} == 0 or up${sel('pgstack_part=~"primary|replica-[0-9]+"')} == 0`,
      for: "1m",
      severity: "critical",
      summary: "PostgreSQL member {{ $labels.pgstack_part }} of stack " + s.stack + " is down",
      description: "Its exporter cannot reach PostgreSQL, or Prometheus cannot reach its exporter. Run: npm run status -- --stack " + s.stack,
    },
  ];
  if (s.replicas > 0) {
    rules.push(
      {
        alert: "PgstackReplicaNotStreaming",
        expr: `(count(pg_stat_replication_pg_wal_lsn_diff${sel('state="streaming"')}) or vector(0)) < ${s.replicas}`,
        for: "1m",
        severity: "critical",
        summary: `Fewer than ${s.replicas} replica(s) of stack ${s.stack} are streaming`,
        description: `{{ $value }} of ${s.replicas} replica(s) stream from the primary. npm run status -- --stack ${s.stack} names the missing one.`,
      },
      {
        alert: "PgstackReplicaLagBytes",
        expr: `pg_stat_replication_pg_wal_lsn_diff${sel()} > ${m.maxLagBytes}`,
        for: "2m",
        severity: "warning",
        summary: `Replica {{ $labels.application_name }} of stack ${s.stack} is more than ${m.maxLagBytes} bytes behind`,
        description: "{{ $value }} bytes of WAL not yet replayed (bound: pgstack:monitoring.maxLagBytes).",
      },
      {
        alert: "PgstackReplicaLagSeconds",
        expr: `pg_replication_lag_seconds${sel()} > ${m.maxLagSeconds}`,
        for: "2m",
        severity: "warning",
        summary: `Replica {{ $labels.pgstack_part }} of stack ${s.stack} replays more than ${m.maxLagSeconds} s behind`,
        description: "Replay is {{ $value }} s behind the primary (bound: pgstack:monitoring.maxLagSeconds).",
      },
    );
  }
  rules.push({
    alert: "PgstackSlotWalOverHalf",
    // safe_wal_size is what the slot may still pin before PostgreSQL invalidates it.
    expr: `pg_replication_slot_safe_wal_size_bytes${sel()} < ${halfSlotBytes}`,
    for: "5m",
    severity: "warning",
    summary: `Slot {{ $labels.slot_name }} of stack ${s.stack} pins more than half of max_slot_wal_keep_size`,
    description: `Only {{ $value }} bytes are left before the slot is invalidated and its replica must be re-cloned (max_slot_wal_keep_size = ${maxSlotWalKeepBytes(s)} bytes).`,
  });
  rules.push({
    alert: "PgstackWalArchivingFailing",
    expr: `increase(pg_stat_archiver_failed_count${sel()}[10m]) > 0`,
    for: "5m",
    severity: "critical",
    summary: `WAL archiving of stack ${s.stack} is failing`,
    description: "archive_command failed {{ $value }} times in 10 minutes: point-in-time restore stops at the last archived segment. See the primary's log.",
  });
  const overdue = (kind: "dump" | "base", label: string, schedule: string, key: string) => {
    const gap = longestGapSeconds(schedule);
    if (gap === undefined) return;
    const bound = gap + graceSeconds;
    rules.push({
      alert: kind === "dump" ? "PgstackDumpOverdue" : "PgstackBaseBackupOverdue",
      expr: `time() - pgstack_backup_newest_timestamp_seconds${sel(`kind="${kind}"`)} > ${bound}`,
      for: "5m",
      severity: "critical",
      summary: `No good ${label} of stack ${s.stack} within its schedule`,
      description: `The newest good ${label} is older than ${humanDuration(bound)} (${key} "${schedule}" leaves at most ${humanDuration(gap)} between runs, plus pgstack:monitoring.backupGraceMinutes). See log/backups.log in the backup storage.`,
    });
  };
  overdue("dump", "dump", s.backup.schedule, "pgstack:backup.schedule");
  overdue("base", "base backup", s.backup.baseBackupSchedule, "pgstack:backup.baseBackupSchedule");
  rules.push(
    {
      alert: "PgstackRestoreDrillFailed",
      expr: `pgstack_backup_last_run_ok${sel('kind="drill"')} == 0`,
      for: "0m",
      severity: "critical",
      summary: `The last restore drill of stack ${s.stack} failed`,
      description: "The newest dump or base backup did not restore and pass its checks: see status/last-drill in the backup storage.",
    },
    {
      alert: "PgstackPgbouncerClientsWaiting",
      expr: `pgbouncer_pools_client_waiting_connections${sel()} > 0 and pgbouncer_pools_client_maxwait_seconds${sel()} > ${m.maxClientWaitSeconds}`,
      for: "1m",
      severity: "warning",
      summary: `PgBouncer of stack ${s.stack} keeps clients of {{ $labels.database }}/{{ $labels.user }} waiting`,
      description: `{{ $value }} client(s) wait for a server connection, the longest over ${m.maxClientWaitSeconds} s: the pool is too small or the server too slow (pgstack:pgbouncer.defaultPoolSize).`,
    },
    {
      alert: "PgstackPgbouncerDown",
      expr: `pgbouncer_up${sel()} == 0 or up${sel('pgstack_part="pgbouncer"')} == 0`,
      for: "1m",
      severity: "critical",
      summary: `PgBouncer of stack ${s.stack} is down`,
      description: "Its exporter cannot reach PgBouncer's console, or Prometheus cannot reach its exporter.",
    },
  );
  return rules;
}

/** The rules as a Prometheus rule file (YAML; strings double-quoted, JSON-style). */
export function renderAlertRules(s: StackSettings): string {
  const q = (v: string) => JSON.stringify(v);
  const lines = [
    `# Prometheus alert rules for pgstack stack ${s.stack}, rendered by pulumi up from its settings.`,
    "# Load with rule_files; scrape the exporters with the scrape config written beside this file.",
    "groups:",
    `  - name: ${q(`pgstack-${s.stack}`)}`,
    "    rules:",
  ];
  for (const r of alertRules(s)) {
    lines.push(
      `      - alert: ${r.alert}`,
      `        expr: ${q(r.expr)}`,
      `        for: ${r.for}`,
      "        labels:",
      `          severity: ${r.severity}`,
      `          pgstack_stack: ${q(s.stack)}`,
      "        annotations:",
      `          summary: ${q(r.summary)}`,
      `          description: ${q(r.description)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
