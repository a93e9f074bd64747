import { dockerRaw } from "../../test/support/docker";
import { query } from "../../test/e2e/support/pg";
import { pollUntil } from "../../test/e2e/support/poll";
import { appOnPrimary, BACKUP_ROOT, superuserSql } from "../clusterAccess";
import type { BenchContext } from "../context";
import type { DatabaseInfo } from "../results";

/**
 * The pgbench tables at the chosen scale, in the app database, owned by the app role. First waits
 * for the base backup the backup container takes of a new stack, so it does not run under the load.
 */
export async function loadData(ctx: BenchContext): Promise<DatabaseInfo> {
  const backup = ctx.stack.container("backup");
  await pollUntil(
    "the backup container's first base backup",
    async () => ((await dockerRaw(["exec", backup, "test", "-f", `${BACKUP_ROOT}/status/last-base`])).code === 0 ? true : undefined),
    180_000,
    1_000,
  );
  ctx.progress.log(`pgbench -i at scale ${ctx.options.scale} (${ctx.options.scale * 100_000} accounts)`);
  const r = await ctx.client.exec(["pgbench", "-i", "-q", "-s", String(ctx.options.scale), "-h", "primary", "-U", "app", "app"], 30 * 60_000);
  if (r.code !== 0) throw new Error(`pgbench -i failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  // A checkpoint now, so the first measured run does not pay for the load's dirty buffers.
  await superuserSql(ctx.stack.container("primary"), "checkpoint");
  const [row] = await query<{ size: string }>(appOnPrimary(ctx.outputs), "select pg_database_size(current_database())::bigint as size");
  const info = { scale: ctx.options.scale, sizeBytes: Number(row.size), initMs: r.durationMs };
  ctx.progress.log(`data loaded in ${(r.durationMs / 1000).toFixed(1)} s: app database ${(info.sizeBytes / 2 ** 20).toFixed(0)} MiB`);
  return info;
}
