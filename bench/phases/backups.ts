import { backupLogLines, numericField, type BackupLogLine } from "../backupLog";
import { runScript } from "../clusterAccess";
import type { BenchContext } from "../context";
import { bytes, seconds } from "../format";
import { headline } from "../headline";
import type { BackupRun, BackupSection } from "../results";

const SCRIPT_TIMEOUT_MS = 20 * 60_000;
const SCRIPTS: Record<keyof BackupSection, string> = { dump: "backup-dumps.sh", base: "backup-base.sh", drill: "backup-drill.sh" };

type ScriptRun = Awaited<ReturnType<typeof runScript>>;

/** A job's figures: ok from its exit code, the error in one line when it failed. */
function backupRun(run: ScriptRun, line: BackupLogLine | undefined, what: { detail: string; bytes?: number; loggedMs?: number; error?: string }): BackupRun {
  return {
    ok: run.code === 0,
    wallMs: run.wallMs,
    bytes: what.bytes,
    loggedMs: what.loggedMs,
    detail: what.detail,
    ...(run.code === 0 ? {} : { error: what.error ?? headline(line?.fields.error ?? `${run.stdout}\n${run.stderr}`.trim().split("\n").slice(-1)[0] ?? `exit ${run.code}`) }),
  };
}

const secondsField = (line: BackupLogLine | undefined) => {
  const s = numericField(line, "duration_s");
  return s === undefined ? undefined : s * 1000;
};

/**
 * The three backup jobs, run by hand the way an operator does (`docker exec <stack>-backup sh
 * /pgstack/bin/<script>`), timed from outside and by the durations and sizes they log themselves.
 */
export async function measureBackups(ctx: BenchContext): Promise<BackupSection> {
  const container = ctx.stack.container("backup");
  const section: BackupSection = {};

  ctx.progress.log("backup-dumps.sh: pg_dump -Fc of every database, each verified with pg_restore -l");
  const dump = await runScript(container, SCRIPTS.dump, SCRIPT_TIMEOUT_MS);
  const appDump = backupLogLines(dump.stdout, { db: "app" })[0];
  section.dump = backupRun(dump, appDump, {
    detail: "app database, custom format (-Fc), verified with pg_restore -l",
    bytes: numericField(appDump, "bytes"),
    loggedMs: numericField(appDump, "duration_ms"),
  });
  ctx.progress.log(`  ${section.dump.ok ? "ok" : `FAILED: ${section.dump.error}`}: ${bytes(section.dump.bytes)} in ${seconds(section.dump.wallMs)}`);

  ctx.progress.log("backup-base.sh: pg_basebackup, pg_verifybackup, gzip");
  const base = await runScript(container, SCRIPTS.base, SCRIPT_TIMEOUT_MS);
  const baseLine = backupLogLines(base.stdout, { kind: "base" })[0];
  section.base = backupRun(base, baseLine, {
    detail: "whole cluster, plain format with streamed WAL, verified with pg_verifybackup, then tar | gzip -1",
    bytes: numericField(baseLine, "bytes"),
    loggedMs: secondsField(baseLine),
  });
  ctx.progress.log(`  ${section.base.ok ? "ok" : `FAILED: ${section.base.error}`}: ${bytes(section.base.bytes)} compressed in ${seconds(section.base.wallMs)}`);

  ctx.progress.log("backup-drill.sh: restore the newest dump and base backup into scratch instances and check them");
  const drill = await runScript(container, SCRIPTS.drill, SCRIPT_TIMEOUT_MS);
  const drillLine = backupLogLines(drill.stdout, { kind: "drill" })[0];
  const outcome = drillLine ? `dump: ${headline(drillLine.fields.dump ?? "", 160)}; base: ${headline(drillLine.fields.base ?? "", 160)}` : undefined;
  section.drill = backupRun(drill, drillLine, {
    detail: drill.code === 0 && outcome ? outcome : "newest dump and base backup restored into scratch instances; every table counted, amcheck on B-tree indexes",
    loggedMs: secondsField(drillLine),
    error: outcome,
  });
  ctx.progress.log(`  ${section.drill.ok ? "ok" : "FAILED"} in ${seconds(section.drill.wallMs)}: ${outcome ?? section.drill.error}`);

  for (const name of Object.keys(SCRIPTS) as (keyof BackupSection)[]) {
    const run = section[name];
    if (run && !run.ok) ctx.problem(`${SCRIPTS[name]} failed: ${run.error}`);
  }
  return section;
}
