import type { BackupManifest } from "../../../providers/BackupCatalog";
import type { ClusterStatus, MemberStatus, Thresholds } from "../../../scripts/lib/status/model";

// A healthy production-shaped cluster as the collector would report it, to vary per test.

export const NOW = new Date("2026-12-02T12:00:00Z");

export const THRESHOLDS: Thresholds = {
  maxLagSeconds: 30,
  maxLagBytes: 16 * 1024 * 1024,
  maxClientWaitSeconds: 5,
  backupGraceMinutes: 60,
  dumpSchedule: "0 3 * * *",
  baseBackupSchedule: "30 2 * * *",
};

export const manifest = (over: Partial<BackupManifest> = {}): BackupManifest => ({
  generatedAt: "2026-12-02T03:00:10Z",
  dumps: [
    { database: "app", count: 3, bytes: 1000, newest: "dumps/app/app-20261202T030000Z.dump", newestAt: "2026-12-02T03:00:05Z", oldest: "dumps/app/a.dump" },
    { database: "postgres", count: 3, bytes: 100, newest: "dumps/postgres/p.dump", newestAt: "2026-12-02T03:00:02Z", oldest: "dumps/postgres/o.dump" },
  ],
  baseBackups: [{ stamp: "20261202T023000Z", startTime: "2026-12-02T02:30:00Z", endTime: "2026-12-02T02:31:10Z", bytes: 5000, startWal: "000000010000000000000010", verifiedAt: "2026-12-02T02:31:20Z" }],
  wal: { segments: 40, bytes: 40 * 16 * 1024 * 1024, oldest: "000000010000000000000001", newest: "000000010000000000000028", newestArchivedAt: "2026-12-02T11:59:30Z" },
  recoveryWindow: { from: "2026-12-02T02:31:10Z", to: "2026-12-02T11:59:30Z" },
  lastDumpRun: { status: "ok", finished: "2026-12-02T03:00:06Z", run: "20261202T030000Z" },
  lastBaseBackup: { status: "ok", finished: "2026-12-02T02:31:21Z", run: "20261202T023000Z" },
  lastDrill: { status: "ok", finished: "2026-11-29T05:02:00Z", run: "20261129T050000Z" },
  ...over,
});

const member = (name: string, over: Partial<MemberStatus> = {}): MemberStatus => ({
  member: name,
  container: `prod-${name}`,
  role: name === "primary" ? "primary" : "replica",
  containerState: "running",
  health: "healthy",
  timeline: 1,
  lsn: "0/9000148",
  uptimeSeconds: 7200,
  pendingRestart: [],
  ...(name === "primary" ? {} : { receiveLsn: "0/9000148", lagBytes: 0, lagSeconds: 0, walSenderState: "streaming", syncState: "quorum", upstream: "primary", receiverStatus: "streaming" }),
  ...over,
});

export function healthy(over: Partial<Omit<ClusterStatus, "verdict">> = {}): Omit<ClusterStatus, "verdict"> {
  return {
    stack: "prod",
    checkedAt: NOW.toISOString(),
    hosts: ["default"],
    settingsFrom: "Pulumi.prod.yaml",
    unreachableHosts: [],
    members: [member("primary"), member("replica-1"), member("replica-2")],
    primary: "primary",
    slots: [
      { name: "replica_1", active: true, client: "replica-1 (172.18.0.3)", retainedBytes: 0, limitBytes: 4 * 1024 ** 3, walStatus: "reserved", safeWalSizeBytes: 4 * 1024 ** 3 },
      { name: "replica_2", active: true, client: "replica-2 (172.18.0.4)", retainedBytes: 1024, limitBytes: 4 * 1024 ** 3, walStatus: "reserved", safeWalSizeBytes: 4 * 1024 ** 3 },
    ],
    archiver: { archivedCount: 40, lastArchivedWal: "000000010000000000000028", lastArchivedAt: "2026-12-02T11:59:30Z", failedCount: 0 },
    pgbouncer: {
      container: "prod-pgbouncer",
      containerState: "running",
      health: "healthy",
      reachable: true,
      pools: [
        { database: "app", user: "app", clActive: 12, clWaiting: 0, svActive: 3, svIdle: 5, maxwaitSeconds: 0, poolMode: "transaction" },
        { database: "app_ro", user: "app", clActive: 2, clWaiting: 0, svActive: 0, svIdle: 2, maxwaitSeconds: 0, poolMode: "transaction" },
      ],
      stats: [{ database: "app", totalQueries: 1200, totalTransactions: 1100, avgQueryMicros: 420, avgWaitMicros: 10 }],
    },
    backups: { container: "prod-backup", containerState: "running", health: "healthy", manifest: manifest(), storageCreatedAt: "2026-11-20T10:00:00Z" },
    exporters: [],
    thresholds: THRESHOLDS,
    ...over,
  };
}

export { member };
