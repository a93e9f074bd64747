import * as os from "node:os";
import { dockerRaw } from "../test/support/docker";
import { query } from "../test/e2e/support/pg";
import { appOnPrimary } from "./clusterAccess";
import type { BenchContext } from "./context";
import type { EnvironmentInfo } from "./results";

/** What the figures were measured on. */
export async function environmentInfo(ctx: BenchContext): Promise<EnvironmentInfo> {
  const dockerVersion = await dockerRaw(["version", "--format", "{{.Server.Version}}"]);
  const bouncer = await dockerRaw(["exec", ctx.stack.container("pgbouncer"), "pgbouncer", "--version"]);
  const [pg] = await query<{ server_version: string }>(appOnPrimary(ctx.outputs), "show server_version");
  return {
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    docker: dockerVersion.stdout.trim() || "unknown",
    postgres: `PostgreSQL ${pg.server_version}`,
    pgbouncer: /PgBouncer (\S+)/.exec(bouncer.stdout)?.[1] ?? "unknown",
    image: ctx.images.postgres,
    node: process.version,
  };
}
