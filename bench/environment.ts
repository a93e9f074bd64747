import * as os from "node:os";
import { dockerRaw } from "../test/support/docker";
import { query } from "../test/e2e/support/pg";
import { appOnPrimary } from "./clusterAccess";
import type { BenchContext } from "./context";
import type { EnvironmentInfo } from "./results";

/** The machine, the engine and the image: what needs no deployed stack. */
export async function hostInfo(image: string): Promise<EnvironmentInfo> {
  const dockerVersion = await dockerRaw(["version", "--format", "{{.Server.Version}}"]);
  return {
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    docker: dockerVersion.stdout.trim() || "unknown",
    image,
    node: process.version,
  };
}

/** What the figures were measured on, with the versions the deployed stack runs. */
export async function environmentInfo(ctx: BenchContext): Promise<EnvironmentInfo> {
  const bouncer = await dockerRaw(["exec", ctx.stack.container("pgbouncer"), "pgbouncer", "--version"]);
  const [pg] = await query<{ server_version: string }>(appOnPrimary(ctx.outputs), "show server_version");
  return {
    ...(await hostInfo(ctx.images.postgres)),
    postgres: `PostgreSQL ${pg.server_version}`,
    pgbouncer: /PgBouncer (\S+)/.exec(bouncer.stdout)?.[1] ?? "unknown",
  };
}
