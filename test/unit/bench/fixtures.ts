import type { PgbenchPoint } from "../../../bench/pgbenchRun";
import type { BenchResults } from "../../../bench/results";
import { DEFAULT_OPTIONS } from "../../../bench/options";

// A small but complete set of results, shaped like a real run's: direct runs above max_connections
// failed, one restore failed with a harness error carrying container logs.

export function point(target: PgbenchPoint["target"], workload: PgbenchPoint["workload"], clients: number, tps?: number, error?: string): PgbenchPoint {
  return {
    target,
    workload,
    clients,
    threads: Math.min(clients, 8),
    durationS: 15,
    connectPerTransaction: false,
    ok: tps !== undefined && !error,
    ...(tps !== undefined ? { tps, latencyAvgMs: (clients / tps) * 1000 } : {}),
    ...(error ? { error } : {}),
  };
}

export const PITR_ERROR = [
  'docker:index/container:Container "primary": container bench-pitr-primary: exited with code 1 and is being restarted (restart 1) before becoming healthy; last healthcheck: no healthcheck has run yet; last log lines:',
  "    pg_ctl: could not start server",
  '    pgstack[primary]: restore: FAILED: recovery did not start: 2026-11-24 00:44:09.797 GMT [73] LOG:  skipping missing configuration file "/x/pgstack.live.conf" 2026-11-24 00:44:09.797 GMT [73] LOG:  invalid value for parameter "recovery_target_time": "2026-11-24T00:44:01.000Z" 2026-11-24 00:44:09.797 GMT [73] FATAL:  configuration file "/x/pgstack.restore.conf" contains errors',
].join("\n");

export function sampleResults(): BenchResults {
  const tooMany = "sorry, too many clients already";
  return {
    version: 1,
    startedAt: "2026-11-24T01:00:00.000Z",
    finishedAt: "2026-11-24T01:12:30.000Z",
    wallClockMs: 750_000,
    complete: true,
    options: { ...DEFAULT_OPTIONS, clients: [10, 200] },
    neighbours: ["e2e-failover-primary"],
    environment: { cpus: 2, memoryGiB: 24, kernel: "6.1", docker: "20.10", postgres: "PostgreSQL 17.12", pgbouncer: "1.24.1", image: "pgstack-local/postgres:17-x", node: "v20" },
    database: { scale: 50, sizeBytes: 780 * 2 ** 20, initMs: 14_000 },
    deploy: {
      fresh: { label: "fresh", ok: true, totalMs: 20_700, primaryReadyMs: 8_800, replicasReadyMs: 15_800, streamingVerifiedMs: 17_000, ops: { create: 39 }, slowest: [{ op: "create", name: "backup", durationMs: 10_500 }] },
      noop: { label: "unchanged", ok: true, totalMs: 1_500, ops: { same: 39 }, slowest: [] },
    },
    pgbouncer: {
      points: [
        point("direct", "select-only", 10, 40_000),
        point("pgbouncer", "select-only", 10, 24_000),
        point("direct", "select-only", 200, undefined, tooMany),
        point("pgbouncer", "select-only", 200, 19_600),
        point("direct", "tpcb", 10, 1_700),
        point("pgbouncer", "tpcb", 10, 1_400),
        point("direct", "tpcb", 200, undefined, tooMany),
        point("pgbouncer", "tpcb", 200, 1_230),
      ],
      connectPerTransaction: [
        { ...point("direct", "select-only", 50, 236), connectPerTransaction: true, averageConnectionMs: 33 },
        { ...point("pgbouncer", "select-only", 50, 410), connectPerTransaction: true, averageConnectionMs: 19 },
      ],
      maxConnections: 100,
      poolMode: "transaction",
      poolSize: 20,
    },
    replication: {
      modes: [
        {
          mode: "sync",
          syncReplicas: 1,
          synchronousStandbyNames: 'ANY 1 ("primary", "replica-1", "replica-2")',
          commitLatency: { point: point("direct", "tpcb", 1, 836), latencyMs: { count: 2500, mean: 1.2, p50: 1.14, p99: 3.04, max: 5.85 } },
          writeLoad: point("direct", "tpcb", 16, 1_819),
          replicas: [
            { name: "replica-1", syncStates: ["quorum"], samples: 150, bytes: { count: 150, mean: 2000, p50: 1100, p99: 9800, max: 9900 }, seconds: { count: 150, mean: 0.0005, p50: 0.00035, p99: 0.0013, max: 0.0014 }, secondsMissing: 0 },
          ],
        },
        {
          mode: "async",
          syncReplicas: 0,
          synchronousStandbyNames: "",
          commitLatency: { point: point("direct", "tpcb", 1, 1_101), latencyMs: { count: 3300, mean: 0.91, p50: 0.9, p99: 1.7, max: 7.5 } },
          writeLoad: point("direct", "tpcb", 16, 2_011),
          replicas: [
            { name: "replica-1", syncStates: ["async"], samples: 150, bytes: { count: 150, mean: 2000, p50: 1100, p99: 10_200, max: 10_400 }, seconds: { count: 140, mean: 0.0005, p50: 0.00043, p99: 0.00115, max: 0.00124 }, secondsMissing: 10 },
          ],
        },
      ],
      switchDeploy: { label: "syncReplicas 1 → 0", ok: true, totalMs: 3_900, ops: { same: 36, update: 3 }, slowest: [] },
      restartedBySwitch: [],
    },
    backups: {
      dump: { ok: true, wallMs: 12_000, bytes: 40 * 2 ** 20, loggedMs: 11_500, detail: "app database" },
      base: { ok: true, wallMs: 9_000, bytes: 60 * 2 ** 20, loggedMs: 8_000, detail: "whole cluster | gzip" },
      drill: { ok: false, wallMs: 2_000, detail: "scratch restores", error: 'dump: restoring x.dump failed: Peer authentication failed for user "pgstack_backup"' },
    },
    restores: [
      { kind: "pitr", stack: "bench-pitr", restore: { source: "bench-backups", targetTime: "2026-11-24T01:08:00Z" }, ok: false, walBytes: 70 * 2 ** 20, error: PITR_ERROR, logs: { "bench-pitr-primary": ["line one", "line ``` two"] } },
      { kind: "pitr-latest", stack: "bench-pitr", restore: { source: "bench-backups" }, ok: true, walBytes: 70 * 2 ** 20, recoveryS: 3, restoreStep: { name: "primary", durationMs: 9_000 }, deploy: { label: "restore", ok: true, totalMs: 30_000, streamingVerifiedMs: 26_000, ops: { create: 40 }, slowest: [] }, verification: "marks [before-target, after-target]" },
      { kind: "dump", stack: "bench-dump", restore: { source: "bench-backups", dump: "latest" }, ok: true, restoreStep: { name: "restore-dump", durationMs: 25_000 }, deploy: { label: "restore", ok: true, totalMs: 45_000, streamingVerifiedMs: 18_000, ops: { create: 41 }, slowest: [] }, verification: "pgbench_accounts 5000000 rows" },
    ],
    problems: ['backup-drill.sh failed: dump: restoring x.dump failed: Peer authentication failed for user "pgstack_backup"', `point-in-time restore to 2026-11-24T01:08:00Z failed: ${PITR_ERROR}`],
  };
}
