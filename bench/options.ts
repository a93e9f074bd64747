// The benchmark's knobs, from environment variables, checked before anything is deployed.

export interface BenchOptions {
  /** Seconds of each pgbench point of the PgBouncer comparison and of each commit-latency run. */
  durationS: number;
  /** pgbench scale factor: 100,000 accounts and about 15 MB per unit. */
  scale: number;
  /** Client counts of the PgBouncer comparison. */
  clients: number[];
  /** Seconds of sustained write load per replication mode. */
  lagDurationS: number;
  /** Clients of that write load. */
  lagClients: number;
  /** How often pg_stat_replication is sampled. */
  sampleIntervalMs: number;
  /** Deploy the restore stacks (point-in-time and dump); off for a quick run. */
  restores: boolean;
  /** Rounds of the bring-up phase (floor, fresh deploy, unchanged deploy, cleanup). */
  bringupRounds: number;
  /** The engine asked for; absent = the e2e suite's choice (the real CLI when installed). */
  engine?: "pulumi" | "harness";
}

export const DEFAULT_OPTIONS: BenchOptions = {
  durationS: 15,
  scale: 50,
  clients: [10, 50, 200, 1000],
  lagDurationS: 30,
  lagClients: 16,
  sampleIntervalMs: 200,
  restores: true,
  bringupRounds: 3,
};

/** Every variable, with what it sets: the usage text and the error messages use it. */
export const OPTION_VARIABLES: Record<string, string> = {
  PGSTACK_BENCH_DURATION: "seconds per pgbench point (default 15)",
  PGSTACK_BENCH_SCALE: "pgbench scale factor (default 50, about 750 MB)",
  PGSTACK_BENCH_CLIENTS: "comma-separated client counts (default 10,50,200,1000)",
  PGSTACK_BENCH_LAG_DURATION: "seconds of write load per replication mode (default 30)",
  PGSTACK_BENCH_LAG_CLIENTS: "clients of that write load (default 16)",
  PGSTACK_BENCH_SAMPLE_MS: "pg_stat_replication sampling interval in ms (default 200)",
  PGSTACK_BENCH_RESTORES: "1 to deploy the restore stacks, 0 to skip them (default 1)",
  PGSTACK_BENCH_BRINGUP_ROUNDS: "rounds of the bring-up phase: floor, fresh deploy, unchanged deploy, cleanup (default 3)",
  PGSTACK_BENCH_ENGINE: "pulumi or harness (default: PGSTACK_E2E_ENGINE, else the real CLI when `pulumi` answers on PATH)",
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name}=${raw}: must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/** Options from `env`; throws one error naming every bad variable. */
export function benchOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const problems: string[] = [];
  const d = DEFAULT_OPTIONS;
  let clients = d.clients;
  const rawClients = env.PGSTACK_BENCH_CLIENTS?.trim();
  if (rawClients) {
    const parts = rawClients.split(",").map((p) => p.trim());
    if (parts.every((p) => /^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= 1900)) {
      clients = [...new Set(parts.map(Number))].sort((a, b) => a - b);
    } else {
      // PgBouncer takes at most maxClientConn (2000 in production) clients; keep headroom.
      problems.push(`PGSTACK_BENCH_CLIENTS=${rawClients}: must be comma-separated integers from 1 to 1900`);
    }
  }
  const rawRestores = env.PGSTACK_BENCH_RESTORES?.trim();
  if (rawRestores && rawRestores !== "0" && rawRestores !== "1") problems.push(`PGSTACK_BENCH_RESTORES=${rawRestores}: must be 0 or 1`);
  const rawEngine = env.PGSTACK_BENCH_ENGINE?.trim();
  if (rawEngine && rawEngine !== "pulumi" && rawEngine !== "harness") problems.push(`PGSTACK_BENCH_ENGINE=${rawEngine}: must be pulumi or harness`);
  const options: BenchOptions = {
    durationS: integer(env, "PGSTACK_BENCH_DURATION", d.durationS, 1, 600, problems),
    scale: integer(env, "PGSTACK_BENCH_SCALE", d.scale, 1, 10_000, problems),
    clients,
    lagDurationS: integer(env, "PGSTACK_BENCH_LAG_DURATION", d.lagDurationS, 1, 600, problems),
    lagClients: integer(env, "PGSTACK_BENCH_LAG_CLIENTS", d.lagClients, 1, 90, problems),
    sampleIntervalMs: integer(env, "PGSTACK_BENCH_SAMPLE_MS", d.sampleIntervalMs, 50, 10_000, problems),
    restores: rawRestores ? rawRestores === "1" : d.restores,
    bringupRounds: integer(env, "PGSTACK_BENCH_BRINGUP_ROUNDS", d.bringupRounds, 1, 20, problems),
    ...(rawEngine === "pulumi" || rawEngine === "harness" ? { engine: rawEngine } : {}),
  };
  if (problems.length > 0) {
    const usage = Object.entries(OPTION_VARIABLES).map(([k, v]) => `  ${k}: ${v}`).join("\n");
    throw new Error(`bad benchmark settings:\n  ${problems.join("\n  ")}\nvariables:\n${usage}`);
  }
  return options;
}
