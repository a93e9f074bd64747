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

// CAs the scenarios trust: every stack's caCertificate read through outputsOf (cluster.ts), so
// every URL the stacks export is verified as a user verifies it (sslmode=verify-full).
const trusted = new Set<string>();

/** Trusts `caPem` for URLs that ask for verify-full without naming a CA. */
export function trustCa(caPem: string | undefined): void {
  if (caPem) trusted.add(caPem);
}

/** node-postgres's TLS options for verify-full: the chain must end at `ca`, the certificate must name the host. */
export function verifyFull(ca: string | string[]): NonNullable<ClientConfig["ssl"]> {
  return { ca, rejectUnauthorized: true };
}

/**
 * A connection config from a postgresql:// URL (the stack's writeUrl/readUrl). `sslmode` is
 * honoured as libpq does: verify-full (what pgstack exports) verifies the server against `ca`, or
 * the CAs given to trustCa; disable connects in plaintext.
 */
export function fromUrl(url: string, ca?: string): ClientConfig {
  const u = new URL(url);
  const sslmode = u.searchParams.get("sslmode") ?? "prefer";
  const config: ClientConfig = {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  };
  if (sslmode === "verify-full") {
    const cas = ca ? [ca] : [...trusted];
    if (cas.length === 0) throw new Error(`${u.host}: sslmode=verify-full needs the stack's caCertificate (pass it, or read the outputs with outputsOf)`);
    config.ssl = verifyFull(cas);
  } else if (sslmode === "require") {
    config.ssl = { rejectUnauthorized: false };
  } else if (sslmode !== "disable" && sslmode !== "prefer") {
    throw new Error(`${u.host}: sslmode=${sslmode} is not understood by the e2e helpers`);
  }
  return config;
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
