import type { ClientConfig } from "pg";
import { dockerRaw } from "../test/support/docker";
import { memberConnection, type ClusterOutputs } from "../test/e2e/support/cluster";
import { parseEndpoint, verifyFull } from "../test/e2e/support/pg";
import type { BenchStack } from "./benchStack";

// How the benchmark reaches a deployed stack: the app's and the stats role's logins on the
// primary's published port, and, for what only the superuser may do (pg_switch_wal, checkpoint),
// psql over the primary's local socket, where only the postgres OS user gets in (peer).

export const BACKUP_ROOT = "/var/lib/pgstack/backups";

export function appOnPrimary(outputs: ClusterOutputs): ClientConfig {
  return memberConnection(outputs, outputs.primaryEndpoint);
}

/** pgstack_stats has pg_monitor: it sees pg_stat_replication's LSNs and lag columns. */
export function statsOnPrimary(stack: BenchStack, outputs: ClusterOutputs): ClientConfig {
  return { ...parseEndpoint(outputs.primaryEndpoint), user: "pgstack_stats", password: stack.password("stats"), database: "postgres", ssl: verifyFull(outputs.caCertificate) };
}

/** Runs SQL as the superuser in `container` over its socket; returns psql's unaligned output. */
export async function superuserSql(container: string, sql: string): Promise<string> {
  const r = await dockerRaw(["exec", "-u", "postgres", container, "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql]);
  if (r.code !== 0) throw new Error(`${container}: ${sql}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Runs a container script as postgres (`sh /pgstack/bin/<script>`); resolves whatever its exit code. */
export async function runScript(container: string, script: string, timeoutMs: number, args: string[] = []) {
  const started = Date.now();
  const r = await dockerRaw(["exec", "-u", "postgres", container, "sh", `/pgstack/bin/${script}`, ...args], { timeoutMs });
  return { ...r, wallMs: Date.now() - started };
}

/** The last `lines` lines of a container's log (stdout and stderr), for failure reports. */
export async function logTail(container: string, lines = 40): Promise<string[]> {
  const r = await dockerRaw(["logs", "--tail", String(lines), container]);
  return `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.trim() !== "");
}
