/** Typed stack settings: what `pgstack:*` stack config means once parsed and validated. */

export type PoolMode = "session" | "transaction" | "statement";

export interface PortSettings {
  /** Host port of the primary member. */
  primary: number;
  /** Host port of replica-1; replica i gets replicaBase + i - 1. */
  replicaBase: number;
  /** Host port of PgBouncer. */
  pgbouncer: number;
}

export interface ImageSettings {
  postgres: string;
  pgbouncer: string;
  /** postgres_exporter, one per member (pgstack:monitoring). */
  postgresExporter: string;
  /** pgbouncer_exporter (pgstack:monitoring). */
  pgbouncerExporter: string;
}

export interface PgbouncerSettings {
  poolMode: PoolMode;
  defaultPoolSize: number;
  maxClientConn: number;
  minPoolSize: number;
}

export interface BackupSettings {
  /** Cron expression (UTC) for the logical dumps. */
  schedule: string;
  /** Dumps older than this are deleted, except the newest good one of each database. */
  retentionDays: number;
  /** Cron expression (UTC) for base backups (pg_basebackup, verified with pg_verifybackup). */
  baseBackupSchedule: string;
  /** Base backups kept by count: the newest this many … */
  baseBackupKeep: number;
  /** … that are also younger than this; the newest good one is kept whatever its age. */
  baseBackupMaxAgeDays: number;
  /** Cron expression (UTC) for restore drills of the newest dump and base backup. */
  drillSchedule: string;
  /** A WAL segment is archived at least this often, bounding what a lost host loses (RPO). */
  archiveTimeoutSeconds: number;
  /** Keep backups in this host directory instead of the `<stack>-backups` volume ("" = volume). */
  hostPath: string;
}

/** Metrics exporters, alert rules, and the bounds `npm run status` and the rules judge by. */
export interface MonitoringSettings {
  /** Run a postgres_exporter per member and a pgbouncer_exporter, and write the alert rules. */
  enabled: boolean;
  ports: {
    /** Host port of the primary's exporter; replica i's is postgresExporterBase + i. */
    postgresExporterBase: number;
    /** Host port of PgBouncer's exporter. */
    pgbouncerExporter: number;
  };
  /** A replica further behind than this (replay, seconds) is lagging. */
  maxLagSeconds: number;
  /** A replica further behind than this (bytes of WAL not replayed) is lagging. */
  maxLagBytes: number;
  /** How long past its schedule's longest gap a dump or base backup may be before it is overdue. */
  backupGraceMinutes: number;
  /** PgBouncer clients waiting longer than this (seconds) are a problem. */
  maxClientWaitSeconds: number;
  /** Where `pulumi up` writes the alert rules ("" = .pgstack/<stack>/alert-rules.yml under the project). */
  rulesFile: string;
}

/** Server certificates of the members and PgBouncer (the cluster CA lives ten years). */
export interface TlsSettings {
  /** How long a server certificate is valid. */
  validityHours: number;
  /** A `pulumi up` this close to a certificate's expiry issues a new one (applied with a reload). */
  earlyRenewalHours: number;
}

/** Bootstrap a new stack's primary from backups instead of initdb. */
export interface RestoreSettings {
  /** Backup storage to restore from: a Docker volume name or an absolute host path. */
  source: string;
  /** Point-in-time recovery target (ISO 8601 with a time zone); absent = the newest archived WAL. */
  targetTime?: string;
  /** Logical restore instead: a dump file in the source (`dumps/<db>/<file>.dump`) or "latest". */
  dump?: string;
}

/**
 * One Docker host of the stack (`pgstack:hosts.<name>`): its engine, reached by the stack's own
 * docker provider, and the address other hosts and the Pulumi runner reach its published ports at.
 */
export interface DockerHostSettings {
  /** The host's name in pgstack:hosts and pgstack:placement. */
  name: string;
  /**
   * Its engine, as a DOCKER_HOST URL: `unix:///…`, `tcp://host:port` (TLS, with certPath) or
   * `ssh://[user@]host[:port]`. Undefined: the engine the environment names (DOCKER_HOST, else the
   * local socket), through Pulumi's default docker provider, as a one-host stack always did.
   */
  docker?: string;
  /** Where other hosts and the Pulumi runner reach it: an IP address or a DNS name. */
  address: string;
  /** A directory with ca.pem, cert.pem and key.pem: the TLS client certificate of a tcp:// engine. */
  certPath?: string;
}

export interface StackSettings {
  /** The Pulumi stack name; prefixes container, volume and network names. */
  stack: string;
  replicas: number;
  syncReplicas: number;
  bindAddress: string;
  /** The Docker hosts, by name (the first is where unplaced parts run). At least one. */
  hosts: DockerHostSettings[];
  /**
   * Which host runs each part (`primary`, `replica-<i>`, `pgbouncer`, `backup`), as the stack set
   * it; a part not named runs on the first host (config/placement.ts resolves it).
   */
  placement: Record<string, string>;
  ports: PortSettings;
  images: ImageSettings;
  /** Memory limit of each PostgreSQL member, in MiB. */
  memoryMb: number;
  /** CPU limit of each PostgreSQL member. */
  cpus: number;
  pgbouncer: PgbouncerSettings;
  backup: BackupSettings;
  monitoring: MonitoringSettings;
  tls: TlsSettings;
  database: string;
  appUser: string;
  /** Extra postgresql.conf settings from stack config, already validated. */
  postgresql: Record<string, string>;
  /** Protect data and backup volumes from `pulumi destroy`. */
  protectData: boolean;
  /** The member that currently holds the primary role (changes after a failover). */
  primaryMember: string;
  /** Any value; changing it re-runs the post-deploy streaming check. */
  verifyTrigger: string;
  /** Rebuild from backups (disaster recovery); undefined = a fresh cluster. */
  restore?: RestoreSettings;
}
