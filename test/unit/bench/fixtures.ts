import { analyseDeploy, bringupSection, countResources, type BringupRound, type BringupSection } from "../../../bench/bringupAnalysis";
import type { TimedStep } from "../../../bench/criticalPath";
import type { DeployFigures } from "../../../bench/deployFigures";
import type { FloorRun } from "../../../bench/floor";
import type { PgbenchPoint } from "../../../bench/pgbenchRun";
import type { ContainerTimes } from "../../../bench/timeBreakdown";
import type { GraphResource } from "../../../test/e2e/support/engines/types";
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
    mode: "full",
    engine: "harness",
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

// The bring-up phase: two rounds on the harness. Each round's deploy is the same small timeline
// (primary, its health, a role, a replica, its health, the check, then the backup), shifted by
// `slowerMs` for the second round; the floors differ.

const CONTAINER = "docker:index/container:Container";
const HEALTH = "pulumi-nodejs:dynamic/pgstack:ContainerHealth";
const DYNAMIC = "pulumi-nodejs:dynamic/postgres";

export const BRINGUP_GRAPH: GraphResource[] = [
  { urn: "urn:cluster", type: "pgstack:index:PostgresCluster", name: "pgstack", parent: "", custom: false, dependencies: [] },
  { urn: "urn:primary", type: CONTAINER, name: "primary", parent: "urn:cluster", custom: true, dependencies: [] },
  { urn: "urn:primary-healthy", type: HEALTH, name: "primary-healthy", parent: "urn:cluster", custom: true, dependencies: ["urn:primary"] },
  { urn: "urn:replicator-role", type: `${DYNAMIC}:PostgresRole`, name: "replicator-role", parent: "urn:cluster", custom: true, dependencies: ["urn:primary-healthy"] },
  { urn: "urn:replica-1", type: CONTAINER, name: "replica-1", parent: "urn:cluster", custom: true, dependencies: ["urn:replicator-role"] },
  { urn: "urn:replica-1-healthy", type: HEALTH, name: "replica-1-healthy", parent: "urn:cluster", custom: true, dependencies: ["urn:replica-1"] },
  { urn: "urn:streaming-check", type: `${DYNAMIC}:StreamingCheck`, name: "streaming-check", parent: "urn:cluster", custom: true, dependencies: ["urn:replica-1-healthy", "urn:primary-healthy"] },
  { urn: "urn:backup", type: CONTAINER, name: "backup", parent: "urn:cluster", custom: true, dependencies: ["urn:replicator-role"] },
  { urn: "urn:backup-healthy", type: HEALTH, name: "backup-healthy", parent: "urn:cluster", custom: true, dependencies: ["urn:backup"] },
];

function bringupSteps(slowerMs: number): TimedStep[] {
  const s = (name: string, startMs: number, endMs: number): TimedStep => {
    const node = BRINGUP_GRAPH.find((n) => n.name === name)!;
    return { urn: node.urn, type: node.type, name, op: "create", startMs: startMs + (startMs > 0 ? slowerMs : 0), endMs: endMs + slowerMs };
  };
  return [
    s("primary", 700, 1_500),
    s("primary-healthy", 1_500, 6_700),
    s("replicator-role", 6_800, 6_900),
    s("replica-1", 6_900, 8_000),
    s("replica-1-healthy", 8_000, 13_300),
    s("streaming-check", 13_400, 13_500),
    s("backup", 6_900, 8_100),
    s("backup-healthy", 8_100, 18_200),
  ];
}

const floorRun = (totalMs: number): FloorRun => ({
  ok: true,
  totalMs,
  steps: [
    { name: "docker network create", startMs: 0, endMs: 100 },
    { name: "primary: docker run", startMs: 100, endMs: 400 },
    { name: "primary: initdb, PostgreSQL start, accepting connections", startMs: 400, endMs: totalMs - 700 },
    { name: "replica-1: pg_basebackup, PostgreSQL start, streaming", startMs: totalMs - 300, endMs: totalMs },
  ],
  readyMs: { primary: totalMs - 750 },
});

function bringupRound(round: number, floorMs: number, slowerMs: number): BringupRound {
  const steps = bringupSteps(slowerMs);
  const end = (name: string) => steps.find((s) => s.name === name)!.endMs;
  const containers: Record<string, ContainerTimes> = {
    primary: { createdMs: 1_000, startedMs: 1_400, bootstrapMs: 1_410, serverStartMs: 2_900, readyMs: 3_000, passingCheckStartMs: 6_400, firstHealthyMs: 6_450 + slowerMs },
    "replica-1": { startedMs: 7_900 + slowerMs, readyMs: 9_500 + slowerMs, passingCheckStartMs: 12_900 + slowerMs, firstHealthyMs: 13_000 + slowerMs, failedChecks: 1 },
  };
  const fresh: DeployFigures = {
    label: "fresh",
    ok: true,
    totalMs: 18_300 + slowerMs,
    primaryReadyMs: end("primary-healthy"),
    replicasReadyMs: end("replica-1-healthy"),
    streamingVerifiedMs: end("streaming-check"),
    lastStepEndMs: end("backup-healthy"),
    ops: { create: steps.length },
    slowest: [],
  };
  return {
    round,
    floor: floorRun(floorMs),
    fresh,
    noop: { label: "unchanged", ok: true, totalMs: 1_400 + slowerMs / 10, ops: { same: steps.length }, slowest: [] },
    containers,
    resources: countResources(BRINGUP_GRAPH),
    ...analyseDeploy(steps, fresh.totalMs, BRINGUP_GRAPH, containers),
  };
}

export function sampleBringup(): BringupSection {
  return bringupSection("harness", 3, [bringupRound(1, 2_500, 0), bringupRound(2, 3_000, 1_000), bringupRound(3, 2_700, 400)]);
}

export function sampleResultsWithBringup(): BenchResults {
  return { ...sampleResults(), bringup: sampleBringup() };
}
