import { Client, type ClientConfig } from "pg";

// Samples pg_stat_replication on the primary at a fixed interval while a write load runs: how far
// each replica's replay trails the primary's WAL, in bytes, and PostgreSQL's own replay_lag.

export interface LagSample {
  atMs: number;
  replica: string;
  syncState: string;
  /** WAL the primary has written that the replica has not replayed yet. */
  replayBytes: number;
  /** replay_lag in seconds; null when PostgreSQL has no recent measurement (idle). */
  replaySeconds: number | null;
  flushSeconds: number | null;
}

const SAMPLE_SQL = `
select application_name as replica, sync_state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint as replay_bytes,
       extract(epoch from replay_lag)::float8 as replay_seconds,
       extract(epoch from flush_lag)::float8 as flush_seconds
from pg_stat_replication
where application_name like 'replica-%'`;

/** Starts sampling through `config` (a pg_monitor role); `stop()` ends it and returns the samples. */
export async function startLagSampler(config: ClientConfig, intervalMs: number): Promise<{ stop: () => Promise<LagSample[]> }> {
  const client = new Client({ connectionTimeoutMillis: 5_000, query_timeout: 5_000, ...config });
  client.on("error", () => undefined);
  await client.connect();
  const samples: LagSample[] = [];
  const started = Date.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      const tick = Date.now();
      try {
        const { rows } = await client.query(SAMPLE_SQL);
        for (const r of rows) {
          samples.push({
            atMs: tick - started,
            replica: r.replica,
            syncState: r.sync_state,
            replayBytes: Number(r.replay_bytes ?? 0),
            replaySeconds: r.replay_seconds === null ? null : Number(r.replay_seconds),
            flushSeconds: r.flush_seconds === null ? null : Number(r.flush_seconds),
          });
        }
      } catch {
        // A missed sample is a gap, not a failure: the count in the report shows it.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - tick))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await client.end().catch(() => undefined);
      return samples;
    },
  };
}
