import { Client, type ClientConfig } from "pg";

// Small PostgreSQL helpers for the scenarios: short timeouts, so a dead endpoint fails a check
// in seconds.

export interface Endpoint {
  host: string;
  port: number;
}

/** `127.0.0.1:15433` → { host, port }. */
export function parseEndpoint(endpoint: string): Endpoint {
  const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(endpoint);
  if (!m) throw new Error(`not an endpoint: ${endpoint}`);
  return { host: m[1], port: Number(m[2]) };
}

/** A connection config from a postgresql:// URL (the stack's writeUrl/readUrl). */
export function fromUrl(url: string): ClientConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  };
}

export async function withClient<T>(config: ClientConfig, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionTimeoutMillis: 5_000, query_timeout: 30_000, ...config });
  client.on("error", () => undefined); // a server going away mid-test is reported by the query
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement on a fresh connection and returns its rows. */
export async function query<R extends Record<string, unknown> = Record<string, unknown>>(config: ClientConfig, sql: string, params: unknown[] = []): Promise<R[]> {
  return withClient(config, async (c) => (await c.query(sql, params)).rows as R[]);
}
