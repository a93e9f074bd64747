import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { exec } from "../support/docker";
import type { HarnessResult } from "./harness/result";
import { outputsOf, superuserConnection } from "./support/cluster";
import { BACKUP_ROOT, dumpsOf, sh, stampOf } from "./support/backupVolume";
import { E2EStack } from "./support/e2eStack";
import { fromUrl, query } from "./support/pg";
import { pollUntil } from "./support/poll";

// Scenario 3: logical backups on a real schedule, restored and compared; retention; a failing dump.

/** A cron expression that never fires (there is no 30 February): keeps other jobs out of the way. */
const NEVER = "0 0 30 2 *";
const backup = (schedule: string) => ({ schedule, retentionDays: 7, baseBackupSchedule: NEVER, drillSchedule: NEVER });

// Host ports below Linux's ephemeral range (32768+): no free-port pick of another suite takes them.
const stack = new E2EStack({
  stack: "e2e-backups",
  configFrom: "staging",
  config: { images: inject("images"), ports: { primary: 17432, replicaBase: 17433, pgbouncer: 17532 }, backup: backup("* * * * *") },
});
const backupContainer = stack.container("backup");
const primaryContainer = stack.container("primary");
let deployed: HarnessResult;
let superuser: ReturnType<typeof fromUrl>;
let dataWrittenAt: Date;

/** Row count and an md5 over every row in a stable order, per table of the app's schema. */
async function fingerprint(database: string): Promise<Record<string, string>> {
  const tables = await query<{ t: string }>({ ...superuser, database }, "SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [row] = await query<{ n: string; md5: string }>({ ...superuser, database }, `SELECT count(*)::text AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS md5 FROM ${t} x`);
    out[t] = `${row.n} rows, md5 ${row.md5}`;
  }
  return out;
}

beforeAll(async () => {
  deployed = await stack.up();
  superuser = superuserConnection(stack, outputsOf(deployed));
  const app = fromUrl(outputsOf(deployed).writeUrl);
  await query(app, "CREATE TABLE items (id int PRIMARY KEY, payload text NOT NULL, amount numeric(12,2))");
  await query(app, "INSERT INTO items SELECT g, md5(g::text), g * 1.25 FROM generate_series(1, 5000) g");
  await query(app, "CREATE TABLE notes (id bigserial PRIMARY KEY, body text, tags text[])");
  await query(app, "INSERT INTO notes (body, tags) SELECT repeat('n', g % 50), ARRAY['a', g::text] FROM generate_series(1, 300) g");
  dataWrittenAt = new Date();
});
afterAll(async () => {
  await stack.cleanup();
});

describe("backups", () => {
  it("writes a scheduled dump that pg_restore accepts, and restores it with the same rows", async () => {
    // The schedule fires at each minute boundary: wait for the first run that started after the
    // data was written (its stamp, in whole seconds, is later than the second the data was written in).
    const writtenSecond = Math.floor(dataWrittenAt.getTime() / 1000) * 1000;
    const dump = await pollUntil(
      "a scheduled dump newer than the test data",
      async () => (await dumpsOf(backupContainer, "app")).find((f) => stampOf(f).getTime() > writtenSecond),
      75_000,
      1_000,
    );
    const listing = await sh(backupContainer, `pg_restore -l ${BACKUP_ROOT}/dumps/app/${dump}`);
    expect(listing).toMatch(/TABLE DATA public items/);
    expect(listing).toMatch(/TABLE DATA public notes/);

    await sh(primaryContainer, "createdb -h /var/run/postgresql restored");
    await sh(primaryContainer, `pg_restore -h /var/run/postgresql -d restored --no-owner --exit-on-error ${BACKUP_ROOT}/dumps/app/${dump}`);
    const source = await fingerprint("app");
    expect(Object.keys(source)).toEqual(["public.items", "public.notes"]);
    expect(await fingerprint("restored")).toEqual(source);
  });

  it("removes dumps past retention but never the newest good one, and reports a failing dump without leaving a partial file", async () => {
    // Stop the schedule, so only the runs made here happen (this replaces only the backup container, and waits for it to be healthy again).
    const quiet = await stack.up({ backup: backup(NEVER) });
    expect(quiet.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`).sort()).toEqual(["replace backup", "update backup-healthy"]);

    // Every app dump is now 30 days old, and an even older one is there too.
    const existing = await dumpsOf(backupContainer, "app");
    const newestGood = existing[existing.length - 1];
    const dir = `${BACKUP_ROOT}/dumps/app`;
    await sh(backupContainer, `cp ${dir}/${newestGood} ${dir}/app-20200101T000000Z.dump && touch -d '30 days ago' ${dir}/*.dump`);

    // The backup role may no longer connect to app: its dump fails.
    await query(superuser, "REVOKE CONNECT ON DATABASE app FROM PUBLIC");
    const failed = await exec(backupContainer, ["sh", "/pgstack/bin/backup-dumps.sh"], { user: "postgres" });
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/db=app status=failed .*CONNECT privilege/);

    expect(await sh(backupContainer, `cat ${BACKUP_ROOT}/status/last-run`)).toMatch(/^status=failed$/m);
    expect(await sh(backupContainer, `grep 'db=app status=failed' ${BACKUP_ROOT}/log/backups.log`)).not.toBe("");
    expect(await sh(backupContainer, `find ${BACKUP_ROOT} -name '*.partial'`)).toBe("");
    const health = await exec(backupContainer, ["sh", "/pgstack/bin/backup-health.sh"], { user: "postgres" });
    expect(health.code).toBe(1);
    expect(health.stdout).toMatch(/last-run failed/);
    // Retention ran too: the old dumps went, the newest good one stayed although it is past retention.
    expect(await dumpsOf(backupContainer, "app")).toEqual([newestGood]);

    // Once app dumps again, the old newest is past retention like any other and goes.
    await query(superuser, "GRANT CONNECT ON DATABASE app TO PUBLIC");
    const ok = await exec(backupContainer, ["sh", "/pgstack/bin/backup-dumps.sh"], { user: "postgres" });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const after = await dumpsOf(backupContainer, "app");
    expect(after).toHaveLength(1);
    expect(after[0] > newestGood).toBe(true);
    expect(await sh(backupContainer, `cat ${BACKUP_ROOT}/status/last-run`)).toMatch(/^status=ok$/m);
  });
});
