import { utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShellSandbox } from "../../support/shellSandbox";

// These spawn shells: generous bounds, the machine may be busy.
vi.setConfig({ testTimeout: 120_000 });

// Issue 14: a dump counts only after the stored file passes `pg_restore -l` and a full read; a
// failing or killed pg_dump records nothing as good, removes no good dump, names its step, and
// the next run recovers. Under dash with fakes of pg_dump, pg_restore and psql.

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0) / 1000;
let sandbox: ShellSandbox;
afterEach(() => sandbox?.cleanup());

function setup(): ShellSandbox {
  sandbox = new ShellSandbox({ backup: { retentionDays: 7 } });
  at(0);
  return sandbox;
}
const at = (minutes: number) => sandbox.fixture("clock", String(T0 + minutes * 60));
const stampAt = (minutes: number) => new Date((T0 + minutes * 60) * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
const dumps = (db: string) => sandbox.list(`dumps/${db}`).filter((f) => f.endsWith(".dump"));
const partials = () => [...sandbox.list("dumps/app"), ...sandbox.list("dumps/postgres"), ...sandbox.list("dumps")].filter((f) => f.endsWith(".partial"));

describe("a dump run", () => {
  it("dumps every database, checks each stored file with pg_restore -l and a full read, then renames it", () => {
    setup();
    const r = sandbox.run("backup-dumps.sh");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(dumps("app")).toEqual([`app-${stampAt(0)}.dump`]);
    expect(dumps("postgres")).toEqual([`postgres-${stampAt(0)}.dump`]);
    expect(sandbox.list("dumps").filter((f) => f.startsWith("globals-"))).toEqual([`globals-${stampAt(0)}.sql`]);
    const partial = `${sandbox.storage}/dumps/app/.app-${stampAt(0)}.dump.partial`;
    expect(sandbox.fakeCalls().filter((c) => c.includes("dumps/app"))).toEqual([`pg_restore list=yes ${partial}`, `pg_restore list=no ${partial}`]);
    expect(sandbox.status("last-run")).toMatchObject({ status: "ok", exit: "0", failures: "0" });
  });

  it.each([
    ["fail", "pg_dump", /permission denied for database "app"/],
    // pg_dump says it succeeded, the file is cut short: pg_restore -l still lists it; the full read does not.
    ["short", "verify", /pg_restore cannot read the whole stored dump: .*end of file/],
  ])("pg_dump %s: nothing recorded as good, no good dump removed, the step named, the next run recovers", (mode, step, error) => {
    setup();
    expect(sandbox.run("backup-dumps.sh").code).toBe(0);
    const good = dumps("app");
    at(10);
    sandbox.fault("pg_dump", mode);
    const r = sandbox.run("backup-dumps.sh");
    expect(r.code).toBe(1);
    expect(dumps("app")).toEqual(good);
    expect(partials()).toEqual([]);
    expect(r.stdout).toMatch(new RegExp(`db=app status=failed step=${step} exit=\\d+ duration_ms=\\d+ error="`));
    const status = sandbox.status("last-run");
    expect(status).toMatchObject({ status: "failed", step });
    expect(status.error).toMatch(error);
    expect(sandbox.storedStatus("last-run")).toMatchObject({ status: "failed", step });
    expect(sandbox.run("backup-health.sh").stdout).toMatch(new RegExp(`last-run failed at step ${step}`));

    sandbox.clearFaults();
    at(20);
    expect(sandbox.run("backup-dumps.sh").code).toBe(0);
    expect(dumps("app")).toEqual([...good, `app-${stampAt(20)}.dump`]);
    expect(sandbox.status("last-run")).toMatchObject({ status: "ok" });
  });

  it("pg_dump killed half way (kill -9 of the job): interrupted at step pg_dump, the next run takes over and removes the partial file", () => {
    setup();
    expect(sandbox.run("backup-dumps.sh").code).toBe(0);
    const good = dumps("app");
    at(10);
    sandbox.fault("pg_dump", "kill");
    const r = sandbox.run("backup-dumps.sh");
    expect(r.signal).toBe("SIGKILL");
    expect(dumps("app")).toEqual(good);
    expect(partials()).toEqual([`.app-${stampAt(10)}.dump.partial`]);
    expect(sandbox.status("last-run")).toMatchObject({ status: "running", step: "pg_dump" });
    expect(sandbox.run("backup-health.sh").stdout).toMatch(/last-run was interrupted at step pg_dump/);

    sandbox.clearFaults();
    at(20);
    const again = sandbox.run("backup-dumps.sh");
    expect(again.code, again.stdout).toBe(0);
    expect(partials()).toEqual([]);
    expect(dumps("app")).toEqual([...good, `app-${stampAt(20)}.dump`]);
  });

  it("retention removes old dumps but never the newest good one, even when today's dump failed", () => {
    setup();
    expect(sandbox.run("backup-dumps.sh").code).toBe(0);
    const dir = path.join(sandbox.storage, "dumps", "app");
    const newestGood = dumps("app")[0];
    writeFileSync(path.join(dir, "app-20200101T000000Z.dump"), "PGDMP\nold\nPGDMP-END\n");
    const monthAgo = Date.now() / 1000 - 30 * 86400;
    for (const f of dumps("app")) utimesSync(path.join(dir, f), monthAgo, monthAgo);
    at(10);
    sandbox.fault("pg_dump", "fail-app");
    const r = sandbox.run("backup-dumps.sh");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("removed=1");
    expect(dumps("app")).toEqual([newestGood]);
    // The other database dumped fine.
    expect(dumps("postgres")).toHaveLength(2);
  });

  it("stops at once, naming the step, when the databases cannot be listed", () => {
    setup();
    sandbox.fault("psql", "fail");
    const r = sandbox.run("backup-dumps.sh");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/status=failed step=list-databases host=primary error=".*Connection refused"/);
    expect(sandbox.status("last-run")).toMatchObject({ status: "failed", step: "list-databases" });
  });
});
