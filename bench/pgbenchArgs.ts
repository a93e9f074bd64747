// The pgbench command lines the benchmark runs, built in one place so every figure of a comparison
// uses the same options and only the compared thing differs.

export type Workload = "select-only" | "tpcb";

/** Where pgbench connects, seen from the stack's Docker network. */
export interface Target {
  name: "direct" | "pgbouncer";
  host: string;
  port: number;
}

export const TARGETS: Record<Target["name"], Target> = {
  direct: { name: "direct", host: "primary", port: 5432 },
  pgbouncer: { name: "pgbouncer", host: "pgbouncer", port: 6432 },
};

export interface PgbenchSpec {
  target: Target;
  workload: Workload;
  clients: number;
  durationS: number;
  database: string;
  user: string;
  /** `-C`: a new connection (and SCRAM handshake) for every transaction. */
  connectPerTransaction?: boolean;
  /** `-l --log-prefix`: log every transaction's latency (for percentiles). */
  logPrefix?: string;
}

/** More threads than this only adds scheduling on a small host; enough to keep 1000 clients fed. */
export const MAX_THREADS = 8;

export function threadsFor(clients: number): number {
  return Math.max(1, Math.min(clients, MAX_THREADS));
}

/**
 * `pgbench …` for one run. The simple query protocol everywhere: PgBouncer's transaction pooling
 * needs it (or its prepared-statement tracking), and direct runs use the same so the pair compares
 * only the path. Read-only runs skip pgbench's pre-run vacuum (`-n`): they change nothing; TPC-B
 * runs keep it, so each starts from a vacuumed table and an empty history.
 */
export function pgbenchArgs(spec: PgbenchSpec): string[] {
  if (!Number.isInteger(spec.clients) || spec.clients < 1) throw new RangeError(`clients must be a positive integer, got ${spec.clients}`);
  if (!(spec.durationS > 0)) throw new RangeError(`duration must be positive, got ${spec.durationS}`);
  return [
    "pgbench",
    "-h", spec.target.host,
    "-p", String(spec.target.port),
    "-U", spec.user,
    "-M", "simple",
    "-c", String(spec.clients),
    "-j", String(threadsFor(spec.clients)),
    "-T", String(Math.round(spec.durationS)),
    ...(spec.workload === "select-only" ? ["-S", "-n"] : []),
    ...(spec.connectPerTransaction ? ["-C"] : []),
    ...(spec.logPrefix ? ["-l", `--log-prefix=${spec.logPrefix}`] : []),
    spec.database,
  ];
}
