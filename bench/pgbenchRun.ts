import { pgbenchArgs, threadsFor, type PgbenchSpec, type Workload } from "./pgbenchArgs";
import { parsePgbenchSummary, parseTransactionLog, pgbenchFailure } from "./pgbenchOutput";
import type { PgbenchClient } from "./pgbenchClient";

/** One pgbench run as the results record it: its figures, or why there are none. */
export interface PgbenchPoint {
  target: "direct" | "pgbouncer";
  workload: Workload;
  clients: number;
  threads: number;
  durationS: number;
  connectPerTransaction: boolean;
  ok: boolean;
  tps?: number;
  latencyAvgMs?: number;
  latencyStddevMs?: number;
  initialConnectionMs?: number;
  averageConnectionMs?: number;
  transactions?: number;
  failedTransactions?: number;
  /** Why the run failed or was cut short, in pgbench's or the server's words. */
  error?: string;
}

/** Runs one spec; a failed run is a point with ok false and the reason, never an exception. */
export async function runPgbench(client: PgbenchClient, spec: PgbenchSpec): Promise<PgbenchPoint> {
  const base: PgbenchPoint = {
    target: spec.target.name,
    workload: spec.workload,
    clients: spec.clients,
    threads: threadsFor(spec.clients),
    durationS: spec.durationS,
    connectPerTransaction: !!spec.connectPerTransaction,
    ok: false,
  };
  // Connecting 1000 clients with SCRAM takes seconds; a hung run must still end.
  const r = await client.exec(pgbenchArgs(spec), (spec.durationS + 180) * 1000);
  try {
    const s = parsePgbenchSummary(r.stdout);
    const problem = r.code !== 0 || s.aborted ? (pgbenchFailure(r.stderr) ?? `pgbench exited ${r.code}`) : undefined;
    return {
      ...base,
      ok: !problem,
      tps: s.tps,
      latencyAvgMs: s.latencyAvgMs,
      latencyStddevMs: s.latencyStddevMs,
      initialConnectionMs: s.initialConnectionMs,
      averageConnectionMs: s.averageConnectionMs,
      transactions: s.transactions,
      failedTransactions: s.failedTransactions,
      ...(problem ? { error: problem } : {}),
    };
  } catch {
    return { ...base, error: pgbenchFailure(r.stderr) ?? `pgbench exited ${r.code} without a summary` };
  }
}

/** Runs a spec with per-transaction logging and returns its point and every latency (ms). */
export async function runPgbenchWithLatencies(client: PgbenchClient, spec: PgbenchSpec): Promise<{ point: PgbenchPoint; latenciesMs: number[] }> {
  const prefix = `/tmp/bench-latency-${Date.now()}`;
  const point = await runPgbench(client, { ...spec, logPrefix: prefix });
  const log = await client.sh(`cat ${prefix}.* 2>/dev/null; rm -f ${prefix}.*`);
  return { point, latenciesMs: parseTransactionLog(log) };
}
