import { postgresSizeBytes } from "./postgresSize";
import { clusterPostgresqlSettings } from "./postgresqlSettings";
import { paths } from "./containerPaths";
import type { StackSettings } from "./settings";
import * as path from "node:path";

/**
 * What pgstack's monitoring needs besides the exporters' own binaries: the parts' names, the
 * backup metrics the primary's postgres_exporter reads from the backup manifest, and where the
 * alert rules go. Pure; components/Monitoring.ts declares the containers.
 */

/** Container part (and network alias) of a member's exporter and of PgBouncer's. */
export const exporterPart = (member: string) => `${member}-exporter`;
export const PGBOUNCER_EXPORTER_PART = "pgbouncer-exporter";

/** Where the exporters find their password file (the entrypoint copies the uploaded secret there). */
export const EXPORTER_PASSFILE = `${paths.run}/pgpass`;
/** postgres_exporter's own config file (it warns without one). */
export const EXPORTER_CONFIG = `${paths.conf}/postgres_exporter.yml`;
/** postgres_exporter's custom queries (the backup metrics). */
export const EXPORTER_QUERIES = `${paths.conf}/queries.yaml`;

/** The schema and function through which pg_monitor members read the backup manifest. */
export const BACKUP_METRICS_FUNCTION = "pgstack.backup_metrics()";

/**
 * SQL (run by the superuser on the primary, replicated everywhere) creating the function the
 * exporters read backup metrics through. The monitoring role may not read server files; this
 * function reads exactly the manifest and the storage marker (every member mounts the backup
 * storage), as its owner. One row per kind (dump, base, drill):
 * - newest_timestamp_seconds: the newest good backup of that kind (for dumps the oldest of the
 *   databases' newest, so one database left behind shows), or, while there is none yet, the
 *   creation of the backup storage: the time since which one has been expected;
 * - count: good backups of that kind kept;
 * - last_run_ok (1/0, NULL before the first run) and last_run_timestamp_seconds.
 */
export function backupMetricsSql(): string {
  const manifest = `${paths.backups}/manifest.json`;
  const marker = `${paths.backups}/.pgstack-backups`;
  return `-- pgstack monitoring: backup metrics for pg_monitor (postgres_exporter as pgstack_stats)
CREATE SCHEMA IF NOT EXISTS pgstack;
REVOKE ALL ON SCHEMA pgstack FROM PUBLIC;
GRANT USAGE ON SCHEMA pgstack TO pg_monitor;
CREATE OR REPLACE FUNCTION pgstack.backup_metrics()
  RETURNS TABLE (kind text, newest_timestamp_seconds float8, count float8, last_run_ok float8, last_run_timestamp_seconds float8)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $fn$
  WITH m AS (SELECT coalesce(pg_read_file('${manifest}', true), '{}')::jsonb AS j),
  created AS (
    SELECT extract(epoch FROM substring(pg_read_file('${marker}', true) FROM 'created=([0-9TZ:-]+)')::timestamptz)::float8 AS t
  ),
  runs AS (
    SELECT k.kind, m.j -> k.field AS run
      FROM m, (VALUES ('dump', 'lastDumpRun'), ('base', 'lastBaseBackup'), ('drill', 'lastDrill')) AS k(kind, field)
  ),
  newest AS (
    SELECT 'dump' AS kind,
           (SELECT min(extract(epoch FROM (d ->> 'newestAt')::timestamptz))::float8 FROM m, jsonb_array_elements(coalesce(m.j -> 'dumps', '[]')) d) AS t,
           (SELECT coalesce(sum((d ->> 'count')::float8), 0) FROM m, jsonb_array_elements(coalesce(m.j -> 'dumps', '[]')) d) AS n
    UNION ALL
    SELECT 'base',
           (SELECT max(extract(epoch FROM nullif(b ->> 'endTime', '')::timestamptz))::float8 FROM m, jsonb_array_elements(coalesce(m.j -> 'baseBackups', '[]')) b),
           (SELECT jsonb_array_length(coalesce(m.j -> 'baseBackups', '[]'))::float8 FROM m)
    UNION ALL
    SELECT 'drill',
           (SELECT extract(epoch FROM nullif(r.run ->> 'finished', '')::timestamptz)::float8 FROM runs r WHERE r.kind = 'drill' AND r.run ->> 'status' = 'ok'),
           (SELECT CASE WHEN r.run ->> 'status' = 'ok' THEN 1 ELSE 0 END::float8 FROM runs r WHERE r.kind = 'drill')
  )
  SELECT n.kind,
         coalesce(n.t, (SELECT t FROM created)),
         coalesce(n.n, 0),
         CASE r.run ->> 'status' WHEN 'ok' THEN 1 WHEN 'failed' THEN 0 WHEN 'interrupted' THEN 0 END::float8,
         extract(epoch FROM nullif(r.run ->> 'finished', '')::timestamptz)::float8
    FROM newest n JOIN runs r USING (kind)
$fn$;
REVOKE ALL ON FUNCTION pgstack.backup_metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgstack.backup_metrics() TO pg_monitor;
`;
}

/**
 * postgres_exporter's custom queries: the backup metrics, from the primary only (the manifest is
 * shared, so one member reports it), as pgstack_backup_<column>{kind}.
 */
export function renderExporterQueries(): string {
  const gauge = (name: string, description: string) => [`    - ${name}:`, '        usage: "GAUGE"', `        description: ${JSON.stringify(description)}`];
  return [
    "# postgres_exporter custom queries rendered by pgstack: backup metrics from the backup manifest.",
    "pgstack_backup:",
    `  query: ${JSON.stringify(`SELECT kind, newest_timestamp_seconds, count, last_run_ok, last_run_timestamp_seconds FROM ${BACKUP_METRICS_FUNCTION} WHERE NOT pg_is_in_recovery()`)}`,
    "  metrics:",
    "    - kind:",
    '        usage: "LABEL"',
    '        description: "dump, base or drill"',
    ...gauge("newest_timestamp_seconds", "Newest good backup of this kind (the backup storage's creation while there is none yet)"),
    ...gauge("count", "Good backups of this kind kept"),
    ...gauge("last_run_ok", "1 if the last run of this kind succeeded, 0 if it failed"),
    ...gauge("last_run_timestamp_seconds", "When the last run of this kind finished"),
    "",
  ].join("\n");
}

/** The bound on WAL a slot may pin (max_slot_wal_keep_size), in bytes, as the stack configures it. */
export function maxSlotWalKeepBytes(s: StackSettings): number {
  return postgresSizeBytes(clusterPostgresqlSettings(s).max_slot_wal_keep_size);
}

/** The alert rules file: `monitoring.rulesFile`, or .pgstack/<stack>/alert-rules.yml under `projectDir`. */
export function alertRulesPath(s: Pick<StackSettings, "stack" | "monitoring">, projectDir: string): string {
  return path.resolve(projectDir, s.monitoring.rulesFile || path.join(".pgstack", s.stack, "alert-rules.yml"));
}

/** The Prometheus scrape config written beside the rules. */
export function scrapeConfigPath(rulesFile: string): string {
  return path.join(path.dirname(rulesFile), `${path.basename(rulesFile).replace(/\.ya?ml$/, "")}.scrape.yml`);
}
