import { CONTAINER_PORTS, files, paths } from "./containerPaths";
import { parseCron } from "./cron";
import type { StackSettings } from "./settings";

export const BACKUP_USER = "pgstack_backup";

/** A shell-safe single-quoted word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const set = (values: number[]) => `,${values.join(",")},`;

/** The shell variables one schedule expands into, named `CRON_<prefix>_<field>`. */
function cronVars(prefix: string, expression: string): [string, string][] {
  const cron = parseCron(expression);
  return [
    [`CRON_${prefix}_EXPR`, cron.expression],
    [`CRON_${prefix}_MINUTES`, set(cron.minutes)],
    [`CRON_${prefix}_HOURS`, set(cron.hours)],
    [`CRON_${prefix}_DAYS_OF_MONTH`, set(cron.daysOfMonth)],
    [`CRON_${prefix}_MONTHS`, set(cron.months)],
    [`CRON_${prefix}_DAYS_OF_WEEK`, set(cron.daysOfWeek)],
    [`CRON_${prefix}_DOM_RESTRICTED`, cron.dayOfMonthRestricted ? "1" : "0"],
    [`CRON_${prefix}_DOW_RESTRICTED`, cron.dayOfWeekRestricted ? "1" : "0"],
  ];
}

/**
 * backup.env, sourced by the backup container's scripts: where to back up from and to, retention,
 * and the three schedules (dumps, base backups, restore drills) expanded into the minute/hour/day
 * sets the scheduler matches against. No secrets: the password is in a separate pgpass file.
 * Backups connect to every member in turn and keep the one that accepts writes (libpq's
 * target_session_attrs), so they follow a failover by themselves: nothing here names the primary.
 */
export function renderBackupEnv(s: Pick<StackSettings, "backup">, members: (string | { host: string; port: number })[]): string {
  // A member is its alias on the stack network (port 5432) or, on several hosts, its host's address and port.
  const at = members.map((m) => (typeof m === "string" ? { host: m, port: CONTAINER_PORTS.postgres } : m));
  const ports = [...new Set(at.map((m) => m.port))];
  const b = s.backup;
  const vars: [string, string][] = [
    ["BACKUP_ROOT", paths.backups],
    ["RETENTION_DAYS", String(b.retentionDays)],
    ["BASE_KEEP", String(b.baseBackupKeep)],
    ["BASE_MAX_AGE_DAYS", String(b.baseBackupMaxAgeDays)],
    ...cronVars("DUMPS", b.schedule),
    ...cronVars("BASE", b.baseBackupSchedule),
    ...cronVars("DRILL", b.drillSchedule),
    ["PGHOST", at.map((m) => m.host).join(",")],
    ["PGTARGETSESSIONATTRS", "read-write"],
    ["PGPORT", ports.length === 1 ? String(ports[0]) : at.map((m) => m.port).join(",")],
    ["PGUSER", BACKUP_USER],
    ["PGPASSFILE", files.pgpass],
    ["PGAPPNAME", "pgstack-backup"],
    ["PGCONNECT_TIMEOUT", "10"],
    // TLS to every member, verified against the cluster CA by the member's alias (in its certificate).
    ["PGSSLMODE", "verify-full"],
    ["PGSSLROOTCERT", files.tlsCa],
    ["PGSSLCERTMODE", "disable"],
  ];
  return [
    "# backup.env rendered by pgstack",
    ...vars.map(([k, v]) => `${k}=${shellQuote(v)}`),
    `export ${vars.filter(([k]) => k.startsWith("PG")).map(([k]) => k).join(" ")}`,
    "",
  ].join("\n");
}
