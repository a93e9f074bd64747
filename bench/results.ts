import type { EngineName } from "../test/e2e/support/engines";
import type { BringupSection } from "./bringupAnalysis";
import type { DeployFigures } from "./deployFigures";
import type { ReplicaLag } from "./lagSummary";
import type { BenchOptions } from "./options";
import type { PgbenchPoint } from "./pgbenchRun";
import type { Distribution } from "./stats";

// The shape of bench/results/<run>/results.json: everything the Markdown report and the summary
// are rendered from. A part that could not be measured is absent and explained in `problems`.

export interface EnvironmentInfo {
  cpus: number;
  memoryGiB: number;
  kernel: string;
  docker: string;
  /** Versions the deployed stack runs (absent when no stack was kept to ask). */
  postgres?: string;
  pgbouncer?: string;
  image: string;
  node: string;
}

export interface DatabaseInfo {
  scale: number;
  sizeBytes: number;
  initMs: number;
}

export interface PgbouncerSection {
  /** Every (workload, clients) pair, direct and through PgBouncer, run back to back. */
  points: PgbenchPoint[];
  /** Read-only with a new connection per transaction (`-C`), direct and through PgBouncer. */
  connectPerTransaction: PgbenchPoint[];
  maxConnections: number;
  poolMode: string;
  poolSize: number;
}

export interface ReplicationMode {
  mode: "sync" | "async";
  syncReplicas: number;
  synchronousStandbyNames: string;
  /** One client, TPC-B: every commit's latency (ms). */
  commitLatency?: { point: PgbenchPoint; latencyMs?: Distribution };
  /** The sustained write load the lag was sampled under. */
  writeLoad?: PgbenchPoint;
  replicas: ReplicaLag[];
}

export interface ReplicationSection {
  modes: ReplicationMode[];
  /** The redeploy that changed syncReplicas 1 → 0. */
  switchDeploy?: DeployFigures;
  /** Containers whose start time changed across that redeploy (none expected). */
  restartedBySwitch?: string[];
}

export interface BackupRun {
  ok: boolean;
  /** Wall-clock time of `docker exec … <script>`. */
  wallMs: number;
  /** Size the script logged (the app database's dump, the compressed base backup). */
  bytes?: number;
  /** Duration the script itself logged. */
  loggedMs?: number;
  detail?: string;
  error?: string;
}

export interface BackupSection {
  dump?: BackupRun;
  base?: BackupRun;
  drill?: BackupRun;
}

export interface RestoreRun {
  kind: "pitr" | "pitr-latest" | "dump";
  stack: string;
  /** The restore config given to the stack. */
  restore: Record<string, string>;
  ok: boolean;
  deploy?: DeployFigures;
  /** "recovered and promoted in N s", from the new primary's log (point-in-time restores). */
  recoveryS?: number;
  /** The deploy step that restored the data: the primary's container (base backup + WAL) or the pg_restore command (dump). */
  restoreStep?: { name: string; durationMs: number };
  /** WAL between the base backup's start and the newest archived segment. */
  walBytes?: number;
  /** What was checked on the restored data, and what it found. */
  verification?: string;
  error?: string;
  /** Last log lines of the restore stack's containers when it failed. */
  logs?: Record<string, string[]>;
}

export interface BenchResults {
  version: 1;
  /** `npm run bench` (every phase) or `npm run bench:bringup` (the bring-up phase alone). */
  mode: "full" | "bringup";
  /** What deployed the stacks: the real Pulumi CLI or the e2e harness. */
  engine: EngineName;
  /** `pulumi version` when the real CLI deployed. */
  engineVersion?: string;
  startedAt: string;
  finishedAt: string;
  wallClockMs: number;
  /** Every phase ran (some may have failed); false when the run stopped early or was interrupted. */
  complete: boolean;
  options: BenchOptions;
  environment?: EnvironmentInfo;
  /** Other containers seen running on the engine during the run (checked every 10 s). */
  neighbours: string[];
  database?: DatabaseInfo;
  /** The floor and fresh deploys side by side, round by round (first in the run). */
  bringup?: BringupSection;
  /** The deploy of the stack the later phases measure (the last bring-up round's) and its unchanged redeploy. */
  deploy: { fresh?: DeployFigures; noop?: DeployFigures };
  pgbouncer?: PgbouncerSection;
  replication?: ReplicationSection;
  backups?: BackupSection;
  restores: RestoreRun[];
  /** What failed or could not be measured, in one line each. */
  problems: string[];
}
