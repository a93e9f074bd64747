import { CONTAINER_PORTS, files, paths } from "./containerPaths";
import { parseCron } from "./cron";
import type { StackSettings } from "./settings";

export const BACKUP_USER = "pgstack_backup";

/** A shell-safe single-quoted word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const set = (values: number[]) => `,${values.join(",")},`;

/**
 * backup.env, sourced by the backup container's scripts: where to back up from and to, and the
 * schedule expanded into the minute/hour/day sets the scheduler matches against. No secrets: the
 * password arrives in a separate libpq password file.
 */
export function renderBackupEnv(s: Pick<StackSettings, "backup">, primaryHost: string): string {
  const cron = parseCron(s.backup.schedule);
  const vars: [string, string][] = [
    ["BACKUP_ROOT", paths.backups],
    ["BACKUP_SCHEDULE", cron.expression],
    ["RETENTION_DAYS", String(s.backup.retentionDays)],
    ["CRON_MINUTES", set(cron.minutes)],
    ["CRON_HOURS", set(cron.hours)],
    ["CRON_DAYS_OF_MONTH", set(cron.daysOfMonth)],
    ["CRON_MONTHS", set(cron.months)],
    ["CRON_DAYS_OF_WEEK", set(cron.daysOfWeek)],
    ["CRON_DOM_RESTRICTED", cron.dayOfMonthRestricted ? "1" : "0"],
    ["CRON_DOW_RESTRICTED", cron.dayOfWeekRestricted ? "1" : "0"],
    ["PGHOST", primaryHost],
    ["PGPORT", String(CONTAINER_PORTS.postgres)],
    ["PGUSER", BACKUP_USER],
    ["PGPASSFILE", files.pgpass],
    ["PGAPPNAME", "pgstack-backup"],
    ["PGCONNECT_TIMEOUT", "10"],
  ];
  return [
    "# backup.env rendered by pgstack",
    ...vars.map(([k, v]) => `${k}=${shellQuote(v)}`),
    `export ${vars.filter(([k]) => k.startsWith("PG")).map(([k]) => k).join(" ")}`,
    "",
  ].join("\n");
}
