import type { BackupManifest } from "../../../providers/BackupCatalog";
import type { ArchiverStatus, PgbouncerDatabaseStats, PoolStatus, SlotStatus, StackContainer } from "./model";

// The monitoring queries operators run by hand, and pure parsers of what psql and Docker print
// for them. Times come back as epoch seconds, so no DateStyle is assumed.

/** One row about the member itself, whatever its role. */
export const MEMBER_SQL = `SELECT pg_is_in_recovery(),
  CASE WHEN pg_is_in_recovery()
       THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), (pg_control_checkpoint()).timeline_id)
       ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
  CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,
  pg_last_wal_receive_lsn(),
  CASE WHEN NOT pg_is_in_recovery() THEN NULL
       WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
       ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp())) END,
  pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()),
  extract(epoch FROM now() - pg_postmaster_start_time()),
  (SELECT string_agg(name, ',' ORDER BY name) FROM pg_settings WHERE pending_restart),
  (SELECT status FROM pg_stat_wal_receiver),
  (SELECT setting FROM pg_settings WHERE name = 'primary_conninfo')`;

/** On the primary: each walsender (pg_stat_replication), lag in bytes against the current position. */
export const REPLICATION_SQL = `SELECT application_name, coalesce(host(client_addr), 'local'), state, sync_state,
  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), extract(epoch FROM replay_lag)
  FROM pg_stat_replication ORDER BY application_name`;

/** On the primary: each slot, its walsender's client, and the WAL it retains against its bound. */
export const SLOTS_SQL = `SELECT s.slot_name, s.active, r.application_name, host(r.client_addr),
  pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn), s.wal_status, s.safe_wal_size,
  pg_size_bytes(current_setting('max_slot_wal_keep_size'))
  FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid ORDER BY s.slot_name`;

export const ARCHIVER_SQL = `SELECT archived_count, last_archived_wal, extract(epoch FROM last_archived_time),
  failed_count, last_failed_wal, extract(epoch FROM last_failed_time) FROM pg_stat_archiver`;

export interface MemberRow {
  inRecovery: boolean;
  timeline?: number;
  lsn?: string;
  receiveLsn?: string;
  lagSeconds?: number;
  receivedNotReplayedBytes?: number;
  uptimeSeconds?: number;
  pendingRestart: string[];
  receiverStatus?: string;
  upstream?: string;
}

const num = (v: string | undefined): number | undefined => (v === undefined || v === "" ? undefined : Number(v));
const text = (v: string | undefined): string | undefined => (v === undefined || v === "" ? undefined : v);
const isoFromEpoch = (v: string | undefined): string | undefined => {
  const n = num(v);
  return n === undefined ? undefined : new Date(n * 1000).toISOString();
};

export function parseMemberRow(row: string[]): MemberRow {
  const [recovery, timeline, lsn, receiveLsn, lagSeconds, notReplayed, uptime, pending, receiver, conninfo] = row;
  return {
    inRecovery: recovery === "t",
    timeline: num(timeline),
    lsn: text(lsn),
    receiveLsn: text(receiveLsn),
    lagSeconds: num(lagSeconds),
    receivedNotReplayedBytes: num(notReplayed),
    uptimeSeconds: num(uptime),
    pendingRestart: pending ? pending.split(",") : [],
    receiverStatus: text(receiver),
    upstream: /\bhost=([^\s']+)/.exec(conninfo ?? "")?.[1],
  };
}

export interface WalSender {
  applicationName: string;
  clientAddr: string;
  state: string;
  syncState: string;
  lagBytes?: number;
  replayLagSeconds?: number;
}

export function parseReplicationRows(rows: string[][]): WalSender[] {
  return rows.map(([app, addr, state, sync, lagBytes, replayLag]) => ({
    applicationName: app,
    clientAddr: addr,
    state,
    syncState: sync,
    lagBytes: num(lagBytes),
    replayLagSeconds: num(replayLag),
  }));
}

export function parseSlotRows(rows: string[][]): SlotStatus[] {
  return rows.map(([name, active, app, addr, retained, walStatus, safe, limit]) => ({
    name,
    active: active === "t",
    client: app ? `${app}${addr ? ` (${addr})` : ""}` : undefined,
    retainedBytes: num(retained),
    walStatus: text(walStatus),
    safeWalSizeBytes: num(safe),
    limitBytes: num(limit),
  }));
}

export function parseArchiverRow(row: string[]): ArchiverStatus {
  const [archived, lastWal, lastAt, failed, failedWal, failedAt] = row;
  return {
    archivedCount: num(archived) ?? 0,
    lastArchivedWal: text(lastWal),
    lastArchivedAt: isoFromEpoch(lastAt),
    failedCount: num(failed) ?? 0,
    lastFailedWal: text(failedWal),
    lastFailedAt: isoFromEpoch(failedAt),
  };
}

/** SHOW POOLS, by column name (the columns grew over PgBouncer's versions). */
export function parsePools(records: Record<string, string>[]): PoolStatus[] {
  return records
    .filter((r) => r.database !== "pgbouncer")
    .map((r) => ({
      database: r.database,
      user: r.user,
      clActive: Number(r.cl_active ?? 0),
      clWaiting: Number(r.cl_waiting ?? 0),
      svActive: Number(r.sv_active ?? 0),
      svIdle: Number(r.sv_idle ?? 0),
      maxwaitSeconds: Number(r.maxwait ?? 0) + Number(r.maxwait_us ?? 0) / 1e6,
      poolMode: r.pool_mode ?? "",
    }));
}

/** SHOW STATS, by column name. */
export function parseStats(records: Record<string, string>[]): PgbouncerDatabaseStats[] {
  return records
    .filter((r) => r.database !== "pgbouncer")
    .map((r) => ({
      database: r.database,
      totalQueries: Number(r.total_query_count ?? 0),
      totalTransactions: Number(r.total_xact_count ?? 0),
      avgQueryMicros: Number(r.avg_query_time ?? 0),
      avgWaitMicros: Number(r.avg_wait_time ?? 0),
    }));
}

/** The manifest the backup container keeps, checked for the fields status reads. */
export function parseManifest(json: string): BackupManifest {
  let m: BackupManifest;
  try {
    m = JSON.parse(json) as BackupManifest;
  } catch {
    throw new Error(`the backup manifest is not valid JSON: ${json.slice(0, 120)}`);
  }
  if (!Array.isArray(m.dumps) || !Array.isArray(m.baseBackups)) throw new Error("the backup manifest has no dumps or baseBackups list");
  return m;
}

/** `key=value` lines (the fence marker, the backup storage's marker, status files). */
export function parseKeyValues(textContent: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of textContent.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * The content of the regular file in a tar stream (`docker cp <container>:<file> -`, which also
 * works on a stopped container). Each entry is a 512-byte header (size in octal at offset 124,
 * type at 156) and its data padded to 512 bytes; PAX extended headers before the file are skipped.
 */
export function singleFileFromTar(tar: Buffer): string {
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "").trim() || "0", 8);
    const type = String.fromCharCode(header[156]);
    if (type === "0" || type === "\0") return tar.subarray(offset + 512, offset + 512 + size).toString("utf8");
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error("no regular file in the tar stream");
}

/** `docker ps -a --format` lines: name, part label, state, in that order, tab-separated. */
export function parseContainerList(out: string, host?: string): Omit<StackContainer, "health" | "startedAt">[] {
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"))
    .map(([name, part, state]) => ({ name, part, state, host }));
}
