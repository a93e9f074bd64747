import { randomUUID } from "node:crypto";
import type { ClientConfig } from "pg";
import { inspect } from "../../support/docker";
import type { HarnessResult } from "../harness/result";
import type { E2EStack } from "./e2eStack";
import { fromUrl, parseEndpoint, query, trustCa } from "./pg";
import { pollUntil } from "./poll";

// Checks a deployed cluster through the doors its users use: the exported URLs (PgBouncer) and
// each member's published endpoint.

/** The stack outputs the scenarios read. */
export interface ClusterOutputs {
  primaryEndpoint: string;
  replicaEndpoints: string[];
  pgbouncerEndpoint: string;
  writeUrl: string;
  readUrl: string;
  streaming: { name: string; state: string; syncState: string; markerReplayed: boolean; lagBytes: number | null }[];
  /** The stack's CA (PEM): every URL and member endpoint is verified against it. */
  caCertificate: string;
}

/** The outputs of a deploy; its CA is trusted from then on by fromUrl (support/pg.ts). */
export const outputsOf = (result: HarnessResult) => {
  const outputs = result.outputs as unknown as ClusterOutputs;
  trustCa(outputs.caCertificate);
  return outputs;
};

/** The app's credentials against one member's published endpoint (roles replicate to standbys). */
export function memberConnection(outputs: ClusterOutputs, endpoint: string): ClientConfig {
  const app = fromUrl(outputs.writeUrl, outputs.caCertificate);
  return { ...app, ...parseEndpoint(endpoint) };
}

/** The superuser against one member's published endpoint, the primary's by default. */
export function superuserConnection(stack: E2EStack, outputs: ClusterOutputs, endpoint = outputs.primaryEndpoint): ClientConfig {
  return { ...memberConnection(outputs, endpoint), user: "postgres", password: stack.password("superuser") };
}

export interface ContainerIdentity {
  id: string;
  startedAt: string;
  health: string;
}

/** Id, start time and health of each of the stack's containers (`primary`, `pgbouncer`, …). */
export async function containerIdentities(stack: E2EStack, parts: string[]): Promise<Record<string, ContainerIdentity>> {
  const out: Record<string, ContainerIdentity> = {};
  for (const part of parts) {
    const info = await inspect<{ Id: string; State: { StartedAt: string; Health?: { Status: string } } }>(stack.container(part));
    out[part] = { id: info.Id, startedAt: info.State.StartedAt, health: info.State.Health?.Status ?? "none" };
  }
  return out;
}

/** Creates a table (once) and writes a fresh token through PgBouncer's read-write database. */
export async function writeToken(outputs: ClusterOutputs, table = "e2e_rows"): Promise<string> {
  const token = randomUUID();
  await query(fromUrl(outputs.writeUrl), `CREATE TABLE IF NOT EXISTS ${table} (token text PRIMARY KEY, written_at timestamptz DEFAULT now())`);
  await query(fromUrl(outputs.writeUrl), `INSERT INTO ${table} (token) VALUES ($1)`, [token]);
  return token;
}

/** Waits until `token` can be read through `config` (a replica catches up asynchronously). */
export async function expectTokenVisible(config: ClientConfig, token: string, where: string, timeoutMs = 10_000, table = "e2e_rows"): Promise<void> {
  await pollUntil(
    `row ${token} visible on ${where}`,
    async () => ((await query(config, `SELECT 1 FROM ${table} WHERE token = $1`, [token])).length === 1 ? true : undefined),
    timeoutMs,
  );
}
