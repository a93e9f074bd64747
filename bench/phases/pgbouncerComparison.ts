import { query } from "../../test/e2e/support/pg";
import { stackConfig } from "../../test/e2e/harness/stackConfig";
import { appOnPrimary } from "../clusterAccess";
import type { BenchContext } from "../context";
import { millis } from "../format";
import { TARGETS, type PgbenchSpec, type Workload } from "../pgbenchArgs";
import { runPgbench, type PgbenchPoint } from "../pgbenchRun";
import type { PgbouncerSection } from "../results";

const WORKLOADS: Workload[] = ["select-only", "tpcb"];
/** Clients of the connection-per-transaction pair: well under max_connections, so both sides run. */
const RECONNECT_CLIENTS = 50;

function describe(p: PgbenchPoint): string {
  const what = `${p.workload} ${p.target.padEnd(9)} ${String(p.clients).padStart(4)} clients${p.connectPerTransaction ? " -C" : ""}`;
  if (!p.ok && p.tps === undefined) return `${what}: FAILED (${p.error})`;
  return `${what}: ${Math.round(p.tps ?? 0)} tps, ${millis(p.latencyAvgMs)} avg${p.ok ? "" : ` (${p.error})`}`;
}

/**
 * Direct to the primary vs through PgBouncer, at each client count, read-only and TPC-B. The two
 * runs of a pair follow each other, so drift on a shared host hits both alike. Direct runs with
 * more clients than max_connections fail and are kept as such.
 */
export async function comparePgbouncer(ctx: BenchContext): Promise<PgbouncerSection> {
  const { options, progress, client } = ctx;
  const run = async (spec: Omit<PgbenchSpec, "database" | "user">): Promise<PgbenchPoint> => {
    const point = await runPgbench(client, { ...spec, database: "app", user: "app" });
    progress.log(`  ${describe(point)}`);
    return point;
  };

  const points: PgbenchPoint[] = [];
  for (const workload of WORKLOADS) {
    for (const clients of options.clients) {
      progress.log(`pgbench ${workload}, ${clients} clients, ${options.durationS} s each: direct, then PgBouncer`);
      for (const target of [TARGETS.direct, TARGETS.pgbouncer]) points.push(await run({ target, workload, clients, durationS: options.durationS }));
    }
  }

  progress.log(`pgbench select-only with a new connection per transaction (-C), ${RECONNECT_CLIENTS} clients`);
  const connectPerTransaction: PgbenchPoint[] = [];
  for (const target of [TARGETS.direct, TARGETS.pgbouncer]) {
    connectPerTransaction.push(await run({ target, workload: "select-only", clients: RECONNECT_CLIENTS, durationS: options.durationS, connectPerTransaction: true }));
  }

  const [row] = await query<{ max_connections: string }>(appOnPrimary(ctx.outputs), "show max_connections");
  const pool = JSON.parse(stackConfig("production")["pgstack:pgbouncer"]) as { poolMode: string; defaultPoolSize: number };
  return { points, connectPerTransaction, maxConnections: Number(row.max_connections), poolMode: pool.poolMode, poolSize: pool.defaultPoolSize };
}
