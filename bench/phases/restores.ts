import { outputsOf, type ClusterOutputs } from "../../test/e2e/support/cluster";
import { query } from "../../test/e2e/support/pg";
import { pollUntil } from "../../test/e2e/support/poll";
import { BenchStack } from "../benchStack";
import { appOnPrimary, BACKUP_ROOT, logTail, superuserSql } from "../clusterAccess";
import { errorText, type BenchContext } from "../context";
import { bytes, seconds } from "../format";
import { TARGETS } from "../pgbenchArgs";
import { runPgbench } from "../pgbenchRun";
import type { RestoreRun } from "../results";
import { DUMP_RESTORE_STACK, PITR_STACK, stackOverrides } from "../stacks";
import { dockerRaw } from "../../test/support/docker";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PointInTime {
  /** Whole second between the two marks. */
  targetTime: string;
  walBytes?: number;
}

/**
 * After the base backup: a write load (WAL the restore replays), a mark, the target second, a
 * second mark, more commits (recovery stops at the first commit after the target), then the WAL
 * segment switched and archived, so the target is covered by the archive.
 */
async function preparePointInTime(ctx: BenchContext): Promise<PointInTime> {
  const app = appOnPrimary(ctx.outputs);
  const primary = ctx.stack.container("primary");
  ctx.progress.log(`writes after the base backup (WAL a restore replays): ${ctx.options.lagClients}-client TPC-B for ${ctx.options.durationS} s`);
  await runPgbench(ctx.client, { target: TARGETS.direct, workload: "tpcb", clients: ctx.options.lagClients, durationS: ctx.options.durationS, database: "app", user: "app" });
  await query(app, "create table if not exists bench_pitr_marks (label text primary key, written_at timestamptz not null default clock_timestamp())");
  await query(app, "insert into bench_pitr_marks (label) values ('before-target')");
  const target = Math.ceil((Date.now() + 500) / 1000) * 1000;
  await sleep(target + 1000 - Date.now());
  await query(app, "insert into bench_pitr_marks (label) values ('after-target')");
  await runPgbench(ctx.client, { target: TARGETS.direct, workload: "tpcb", clients: 4, durationS: 2, database: "app", user: "app" });

  const [lsn, segment] = (await superuserSql(primary, "select lsn, pg_walfile_name(lsn) from pg_switch_wal() as lsn")).split("|");
  await pollUntil(
    `WAL segment ${segment} archived`,
    async () => ((await superuserSql(primary, "select coalesce(last_archived_wal, '') from pg_stat_archiver")) >= segment ? true : undefined),
    120_000,
    500,
  );
  // WAL from the newest base backup's start to the switch: what the restore replays.
  const info = await dockerRaw(["exec", ctx.stack.container("backup"), "sh", "-c", `cat "$(ls -1d ${BACKUP_ROOT}/base/2* | sort | tail -n 1)/info"`]);
  const startLsn = /^start_lsn=(\S+)$/m.exec(info.stdout)?.[1];
  const walBytes = startLsn ? Number(await superuserSql(primary, `select pg_wal_lsn_diff('${lsn}', '${startLsn}')::bigint`)) : undefined;
  return { targetTime: new Date(target).toISOString().replace(".000Z", "Z"), walBytes };
}

type Verify = (outputs: ClusterOutputs) => Promise<{ ok: boolean; text: string }>;

async function marks(outputs: ClusterOutputs): Promise<string[]> {
  const exists = await query(appOnPrimary(outputs), "select to_regclass('bench_pitr_marks') is not null as present");
  if (!exists[0].present) return [];
  return (await query<{ label: string }>(appOnPrimary(outputs), "select label from bench_pitr_marks order by written_at")).map((r) => r.label);
}

async function accounts(outputs: ClusterOutputs): Promise<number> {
  const [row] = await query<{ n: string }>(appOnPrimary(outputs), "select count(*)::bigint as n from pgbench_accounts");
  return Number(row.n);
}

function verifier(expectedMarks: string[], expectedAccounts: number): Verify {
  return async (outputs) => {
    const [found, n] = [await marks(outputs), await accounts(outputs)];
    const ok = found.join(",") === expectedMarks.join(",") && n === expectedAccounts;
    return { ok, text: `pgbench_accounts ${n} rows (expected ${expectedAccounts}); marks [${found.join(", ")}] (expected [${expectedMarks.join(", ")}])` };
  };
}

/** Deploys one restore stack, times it, checks the data, records what failed, and removes it. */
async function restoreInto(
  ctx: BenchContext,
  register: (stack: BenchStack) => void,
  spec: { kind: RestoreRun["kind"]; stack: string; restore: Record<string, string>; walBytes?: number },
  verify: Verify,
): Promise<RestoreRun> {
  const run: RestoreRun = { kind: spec.kind, stack: spec.stack, restore: spec.restore, ok: false, walBytes: spec.walBytes };
  const stack = new BenchStack(spec.stack, stackOverrides(spec.stack, ctx.images, new Date(), { restore: spec.restore }), ctx.stack.engine, ctx.signal);
  register(stack);
  try {
    ctx.progress.log(`deploying ${spec.stack}: restore ${JSON.stringify(spec.restore)}`);
    const deploy = await stack.up(`restore (${spec.kind})`, ctx.progress);
    run.deploy = deploy.figures;
    const stepName = spec.kind === "dump" ? "restore-dump" : "primary";
    const step = deploy.result?.steps.find((s) => s.name === stepName && s.op !== "same");
    if (step) run.restoreStep = { name: stepName, durationMs: step.durationMs };
    if (!deploy.figures.ok) {
      run.error = deploy.figures.error;
      run.logs = { [ctx.stack.engine === "pulumi" ? "pulumi up" : "harness"]: deploy.logTail, [stack.container("primary")]: await logTail(stack.container("primary")) };
      ctx.progress.log(`  FAILED: ${deploy.figures.error}`);
      return run;
    }
    const promoted = /recovered and promoted in (\d+) s/.exec((await logTail(stack.container("primary"), 400)).join("\n"));
    if (promoted) run.recoveryS = Number(promoted[1]);
    const check = await verify(outputsOf(deploy.result!));
    run.ok = check.ok;
    run.verification = check.text;
    if (!check.ok) run.error = `restored data differs from what was expected: ${check.text}`;
    ctx.progress.log(`  ${check.ok ? "ok" : "WRONG DATA"}: streaming verified at ${seconds(run.deploy.streamingVerifiedMs)}, deploy ${seconds(run.deploy.totalMs)}; ${check.text}`);
    return run;
  } catch (err) {
    run.error = errorText(err);
    return run;
  } finally {
    ctx.progress.log(`removing ${spec.stack}`);
    await stack.cleanup().catch((err) => ctx.problem(`cleanup of ${spec.stack}: ${errorText(err)}`));
  }
}

/**
 * Disaster recovery into new stacks from the bench stack's backup storage: a point-in-time restore
 * (newest base backup + archived WAL up to a target second), and, as the alternative, a logical
 * restore of the newest dump. When the point-in-time restore fails, restoring to the end of the
 * archive (no target) is measured instead and the failure is reported.
 */
export async function measureRestores(ctx: BenchContext, register: (stack: BenchStack) => void): Promise<RestoreRun[]> {
  const source = `${ctx.stack.name}-backups`;
  const expectedAccounts = ctx.options.scale * 100_000;
  const runs: RestoreRun[] = [];

  const pit = await preparePointInTime(ctx);
  ctx.progress.log(`target ${pit.targetTime}; ${bytes(pit.walBytes)} of WAL since the base backup started`);
  const pitr = await restoreInto(ctx, register, { kind: "pitr", stack: PITR_STACK, restore: { source, targetTime: pit.targetTime }, walBytes: pit.walBytes }, verifier(["before-target"], expectedAccounts));
  runs.push(pitr);
  if (!pitr.ok) {
    ctx.problem(`point-in-time restore to ${pit.targetTime} failed: ${pitr.error}`);
    const latest = await restoreInto(ctx, register, { kind: "pitr-latest", stack: PITR_STACK, restore: { source }, walBytes: pit.walBytes }, verifier(["before-target", "after-target"], expectedAccounts));
    runs.push(latest);
    if (!latest.ok) ctx.problem(`restore to the end of the archive failed: ${latest.error}`);
  }

  // The newest dump was taken before the marks existed: only the pgbench tables are in it.
  const dump = await restoreInto(ctx, register, { kind: "dump", stack: DUMP_RESTORE_STACK, restore: { source, dump: "latest" } }, verifier([], expectedAccounts));
  runs.push(dump);
  if (!dump.ok) ctx.problem(`restore from the newest dump failed: ${dump.error}`);
  return runs;
}
