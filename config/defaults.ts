import type { StackSettings } from "./settings";

/**
 * The program owns its defaults: Pulumi applies Pulumi.yaml's defaults only for scalar keys set
 * nowhere else, and a stack that sets part of an object key replaces the whole object. A unit test
 * keeps Pulumi.yaml's documented defaults identical to these.
 */
export const DEFAULTS: Omit<StackSettings, "stack" | "restore"> = {
  replicas: 1,
  syncReplicas: 0,
  bindAddress: "127.0.0.1",
  // One host, the engine the environment names, reached at bindAddress: a stack that sets neither
  // hosts nor placement deploys as it always did (no explicit provider, the same names).
  hosts: [{ name: "local", address: "127.0.0.1" }],
  placement: {},
  // Away from 5432/6432 so a laptop's own PostgreSQL or PgBouncer does not collide.
  ports: { primary: 55432, replicaBase: 55433, pgbouncer: 56432 },
  images: {
    postgres: "postgres:17.7-bookworm",
    pgbouncer: "edoburu/pgbouncer:v1.24.1-p1",
    // The releases Debian trixie packages (prometheus-postgres-exporter, prometheus-pgbouncer-exporter),
    // so the public and the locally built images export the same metrics.
    postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
    pgbouncerExporter: "prometheuscommunity/pgbouncer-exporter:v0.10.2",
  },
  memoryMb: 1024,
  cpus: 1,
  pgbouncer: { poolMode: "transaction", defaultPoolSize: 20, maxClientConn: 1000, minPoolSize: 0 },
  backup: {
    schedule: "0 3 * * *",
    retentionDays: 7,
    baseBackupSchedule: "30 2 * * *",
    baseBackupKeep: 3,
    baseBackupMaxAgeDays: 14,
    drillSchedule: "0 5 * * 0",
    archiveTimeoutSeconds: 60,
    hostPath: "",
  },
  // Off unless a stack turns it on (Pulumi.production.yaml does): exporters need their images and
  // two more host ports.
  monitoring: {
    enabled: false,
    ports: { postgresExporterBase: 59187, pgbouncerExporter: 59127 },
    maxLagSeconds: 30,
    // The streaming check's own bound (providers/StreamingCheck.ts).
    maxLagBytes: 16 * 1024 * 1024,
    backupGraceMinutes: 60,
    maxClientWaitSeconds: 5,
    rulesFile: "",
  },
  // A year, renewed by the first `pulumi up` in its last 30 days.
  tls: { validityHours: 8760, earlyRenewalHours: 720 },
  database: "app",
  appUser: "app",
  postgresql: {},
  protectData: false,
  primaryMember: "primary",
  verifyTrigger: "",
};
