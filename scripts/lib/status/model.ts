import type { BackupManifest } from "../../../providers/BackupCatalog";

// What `npm run status` reads from a running cluster, and what it concludes. Plain data: the
// collector fills it, the judge and the renderers read it, and `--json` prints it.

/** primary / replica by PostgreSQL's own answer; fenced by a failover's marker; stopped: container not running. */
export type Role = "primary" | "replica" | "fenced" | "stopped" | "unreachable" | "missing";

/** One container of the stack, as Docker reports it. */
export interface StackContainer {
  name: string;
  /** The `pgstack.part` label: primary, replica-1, pgbouncer, backup, primary-exporter, … */
  part: string;
  /** The Docker engine it runs on (DOCKER_HOST); undefined = the environment's default. */
  host?: string;
  /** Docker's state: running, exited, restarting, … */
  state: string;
  /** healthy, unhealthy, starting, or none (no healthcheck). */
  health: string;
  startedAt?: string;
}

export interface MemberStatus {
  member: string;
  container?: string;
  host?: string;
  role: Role;
  containerState: string;
  health: string;
  timeline?: number;
  /** The primary's current WAL position; a replica's last replayed one. */
  lsn?: string;
  /** A replica's last received (flushed) WAL position. */
  receiveLsn?: string;
  /** A replica: where it streams from (primary_conninfo's host) and its WAL receiver's state. */
  upstream?: string;
  receiverStatus?: string;
  /** A replica: WAL not yet replayed, as the primary sees it (or received − replayed without one). */
  lagBytes?: number;
  /** A replica: seconds since the last replayed transaction, 0 when it has replayed all it received. */
  lagSeconds?: number;
  /** A replica: the primary's walsender state (streaming, catchup, …), none when not connected. */
  walSenderState?: string;
  syncState?: string;
  uptimeSeconds?: number;
  /** Settings changed that take effect only after a restart (pg_settings.pending_restart). */
  pendingRestart: string[];
  /** The fence marker a failover left, as key=value text. */
  fence?: Record<string, string>;
  error?: string;
}

export interface SlotStatus {
  name: string;
  active: boolean;
  /** The walsender's client: application_name (address). */
  client?: string;
  retainedBytes?: number;
  /** max_slot_wal_keep_size in bytes (-1 = unlimited). */
  limitBytes?: number;
  walStatus?: string;
  safeWalSizeBytes?: number;
}

export interface ArchiverStatus {
  archivedCount: number;
  lastArchivedWal?: string;
  lastArchivedAt?: string;
  failedCount: number;
  lastFailedWal?: string;
  lastFailedAt?: string;
}

export interface PoolStatus {
  database: string;
  user: string;
  clActive: number;
  clWaiting: number;
  svActive: number;
  svIdle: number;
  maxwaitSeconds: number;
  poolMode: string;
}

export interface PgbouncerDatabaseStats {
  database: string;
  totalQueries: number;
  totalTransactions: number;
  avgQueryMicros: number;
  avgWaitMicros: number;
}

export interface PgbouncerStatus {
  container: string;
  containerState: string;
  health: string;
  reachable: boolean;
  error?: string;
  pools: PoolStatus[];
  stats: PgbouncerDatabaseStats[];
}

export interface BackupStatus {
  container: string;
  containerState: string;
  health: string;
  manifest?: BackupManifest;
  /** When the backup storage was created (its .pgstack-backups marker). */
  storageCreatedAt?: string;
  error?: string;
}

export type VerdictState = "healthy" | "degraded" | "unreachable";

export interface Verdict {
  state: VerdictState;
  /** 0 healthy, 1 degraded, 2 unreachable. */
  code: 0 | 1 | 2;
  reasons: string[];
}

/** The bounds the judge applies (from the stack's settings, or flags). */
export interface Thresholds {
  maxLagSeconds: number;
  maxLagBytes: number;
  maxClientWaitSeconds: number;
  backupGraceMinutes: number;
  /** Cron expressions (UTC) of the dumps and the base backups. */
  dumpSchedule: string;
  baseBackupSchedule: string;
}

export interface ClusterStatus {
  stack: string;
  checkedAt: string;
  /** The Docker engines looked at ("default" = the environment's). */
  hosts: string[];
  /** Where the expected topology and bounds came from: a stack file, or "defaults and flags". */
  settingsFrom: string;
  /** Hosts that did not answer, with Docker's error. */
  unreachableHosts: { host: string; error: string }[];
  members: MemberStatus[];
  primary?: string;
  slots?: SlotStatus[];
  archiver?: ArchiverStatus;
  pgbouncer?: PgbouncerStatus;
  backups?: BackupStatus;
  /** Exporters of pgstack:monitoring found, with their state. */
  exporters: { part: string; state: string; health: string }[];
  thresholds: Thresholds;
  verdict: Verdict;
}
