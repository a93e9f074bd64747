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
}

export interface StackSettings {
  /** The Pulumi stack name; prefixes container, volume and network names. */
  stack: string;
  replicas: number;
  syncReplicas: number;
  bindAddress: string;
  ports: PortSettings;
  images: ImageSettings;
  /** Memory limit of each PostgreSQL member, in MiB. */
  memoryMb: number;
  /** CPU limit of each PostgreSQL member. */
  cpus: number;
  pgbouncer: PgbouncerSettings;
  backup: BackupSettings;
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
}
