import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShellSandbox, keyValues } from "../../support/shellSandbox";

// These spawn shells: generous bounds, the machine may be busy.
vi.setConfig({ testTimeout: 120_000 });

// Issue 14: a base backup counts only once the stored archive itself has been read back and
// verified; every stage of every pipeline is checked; a failure or a kill names its step, records
// nothing as good, removes no good backup, and the next run recovers. Run under dash, with fakes
// of PostgreSQL's programs and fault-injecting wrappers of tar and gzip (test/support/shell-fakes).

const T0 = Date.UTC(2026, 11, 1, 2, 30, 0) / 1000;
let sandbox: ShellSandbox;
afterEach(() => sandbox?.cleanup());

/** A sandbox whose fake clock starts at T0; each `at(n)` moves it to T0 + n minutes. */
function setup(backup: Record<string, number> = {}): ShellSandbox {
  sandbox = new ShellSandbox({ backup: { baseBackupKeep: 1, ...backup } });
  at(0);
  return sandbox;
}
const at = (minutes: number) => sandbox.fixture("clock", String(T0 + minutes * 60));
const stampAt = (minutes: number) => new Date((T0 + minutes * 60) * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
const backups = () => sandbox.list("base").filter((d) => /^\d{8}T\d{6}Z$/.test(d));
const partials = () => sandbox.list("base").filter((d) => d.endsWith(".partial"));
const manifest = () => JSON.parse(sandbox.run("backup-manifest.sh", ["--print"]).stdout);

describe("a base backup", () => {
  it("is stored, read back, verified against the stored manifest, and only then recorded", () => {
    setup();
    const r = sandbox.run("backup-base.sh");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(backups()).toEqual([stampAt(0)]);
    const info = keyValues(sandbox.read(`base/${stampAt(0)}/info`));
    expect(info).toMatchObject({ start_wal: "000000010000000000000002", end_lsn: "0/2000100", timeline: "1", verified: "stored-archive", end_time: "2026-12-01T02:30:00Z" });
    const calls = sandbox.fakeCalls();
    // pg_verifybackup ran once, on the extracted copy of what was stored, with the stored manifest.
    expect(calls.filter((c) => c.startsWith("pg_verifybackup"))).toEqual([
      `pg_verifybackup -q -m ${sandbox.storage}/base/.${stampAt(0)}.partial/backup_manifest ${sandbox.storage}/base/.${stampAt(0)}.partial/verify`,
    ]);
    expect(sandbox.status("last-base")).toMatchObject({ status: "ok", exit: "0", run: stampAt(0) });
    expect(sandbox.storedStatus("last-base")).toMatchObject({ status: "ok" });
    expect(partials()).toEqual([]);
  });

  // [fault, mode, step it names, what the error says]
  const faults: [string, string, string, RegExp][] = [
    ["pg_basebackup", "fail", "pg_basebackup", /Connection refused/],
    ["pg_basebackup", "full", "pg_basebackup", /No space left on device/],
    // The cause comes first, not pg_basebackup's "background process terminated unexpectedly".
    ["pg_basebackup", "full-wal", "pg_basebackup", /^pg_basebackup: error: could not write to file .*No space left on device pg_basebackup: error: background process terminated unexpectedly$/],
    ["tar", "fail", "compress", /tar exited 2: .*Cannot open/],
    ["gzip", "fail", "compress", /gzip exited 1: .*No space left on device/],
    // gzip "succeeds" with a cut stream: only reading back what was stored catches it.
    ["gzip", "lie", "verify", /the stored base\.tar\.gz does not decompress/],
    ["pg_verifybackup", "fail", "verify", /pg_verifybackup rejects the stored backup: .*has size 3 on disk/],
  ];
  it.each(faults)("%s failing (%s): nothing recorded as good, no good backup removed, the step named, the next run recovers", (tool, mode, step, error) => {
    setup();
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    const good = backups();
    at(10);
    sandbox.fault(tool, mode);
    const r = sandbox.run("backup-base.sh");
    expect(r.code).toBe(1);
    expect(backups()).toEqual(good);
    expect(partials()).toEqual([]);
    const status = sandbox.status("last-base");
    expect(status).toMatchObject({ status: "failed", exit: "1", step, run: stampAt(10) });
    expect(status.error).toMatch(error);
    expect(sandbox.storedStatus("last-base")).toMatchObject({ status: "failed", step });
    expect(r.stdout).toMatch(new RegExp(`kind=base status=failed step=${step} error=`));
    expect(sandbox.log()).toMatch(new RegExp(`run=${stampAt(10)} kind=base status=failed step=${step}`));
    expect(manifest().lastBaseBackup).toMatchObject({ status: "failed", step });

    sandbox.clearFaults();
    at(20);
    const again = sandbox.run("backup-base.sh");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    // baseBackupKeep 1: the new verified backup replaces the old one only now.
    expect(backups()).toEqual([stampAt(20)]);
    expect(sandbox.status("last-base")).toMatchObject({ status: "ok" });
  });

  it.each([
    ["pg_basebackup", "pg_basebackup"],
    ["tar", "compress"],
    ["gzip", "compress"],
  ])("killed (kill -9 of the job) during %s: seen as interrupted at step %s, and the next run takes over", (tool, step) => {
    setup();
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    const good = backups();
    at(10);
    sandbox.fault(tool, "kill");
    const r = sandbox.run("backup-base.sh");
    expect(r.signal).toBe("SIGKILL");
    expect(backups()).toEqual(good);
    // No trap ran: its status still says running, with a pid that is gone.
    const status = sandbox.status("last-base");
    expect(status).toMatchObject({ status: "running", step, run: stampAt(10) });
    const health = sandbox.run("backup-health.sh");
    expect(health.code).toBe(1);
    expect(health.stdout).toContain(`last-base was interrupted at step ${step} (run ${stampAt(10)}, pid ${status.pid} is gone)`);
    expect(manifest().lastBaseBackup).toMatchObject({ status: "interrupted", step });

    sandbox.clearFaults();
    at(20);
    const again = sandbox.run("backup-base.sh");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/kind=base-takeover previous_pid=\d+/);
    expect(partials()).toEqual([]);
    expect(backups()).toEqual([stampAt(20)]);
    expect(existsSync(path.join(sandbox.runDir, "base.lock"))).toBe(false);
  });
});

describe("base backup retention", () => {
  /** A backup directory as an older version left it: an info file without verified=stored-archive. */
  function unverified(stamp: string, endTime: string): void {
    const d = path.join(sandbox.storage, "base", stamp);
    mkdirSync(d);
    writeFileSync(path.join(d, "info"), `stamp=${stamp}\nend_time=${endTime}\nstart_wal=000000010000000000000002\nverified_at=${endTime}\n`);
    writeFileSync(path.join(d, "base.tar.gz"), "x");
    writeFileSync(path.join(d, "backup_manifest"), "{}");
  }

  it("never lets a backup that was not verified count, so it cannot push a good one out", () => {
    setup({ baseBackupKeep: 2 });
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    at(10);
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    unverified(stampAt(15), "2026-12-01T02:45:00Z");
    at(20);
    const r = sandbox.run("backup-base.sh");
    expect(r.code, r.stdout).toBe(0);
    // Two verified kept (the two newest), the unverified one kept but not counted, the oldest gone.
    expect(backups()).toEqual([stampAt(10), stampAt(15), stampAt(20)]);
    expect(r.stdout).toContain("kept=2 removed=1");
  });

  it("removes backups past baseBackupMaxAgeDays, never the newest verified one, and the WAL only they needed", () => {
    setup({ baseBackupKeep: 3, baseBackupMaxAgeDays: 14 });
    for (const n of ["000000010000000000000001", "000000010000000000000002", "000000010000000000000003"]) {
      writeFileSync(path.join(sandbox.storage, "wal", n), n);
      writeFileSync(path.join(sandbox.storage, "wal", `${n}.sum`), "cksum=1 size=24 archived_at=2026-12-01T00:00:00Z\n");
    }
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    at(20 * 1440);
    sandbox.fault("pg_basebackup", "fail");
    expect(sandbox.run("backup-base.sh").code).toBe(1);
    // A failed run does not retire anything, however old.
    expect(backups()).toEqual([stampAt(0)]);
    sandbox.clearFaults();
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    expect(backups()).toEqual([stampAt(20 * 1440)]);
    expect(sandbox.list("wal")).toEqual(["000000010000000000000002", "000000010000000000000002.sum", "000000010000000000000003", "000000010000000000000003.sum"]);
  });
});

describe("the backup storage", () => {
  it("missing (no marker): nothing is written into it, the failure is recorded in the container, the next run recovers", () => {
    setup();
    sandbox.run("backup-base.sh");
    const before = sandbox.list(".");
    const log = sandbox.log();
    const marker = path.join(sandbox.storage, ".pgstack-backups");
    require("node:fs").rmSync(marker);
    at(10);
    const r = sandbox.run("backup-base.sh");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/step=storage error="the backup storage is not mounted at .* \(no \.pgstack-backups marker\)/);
    expect(sandbox.list(".")).toEqual(before.filter((f) => f !== ".pgstack-backups"));
    expect(sandbox.log()).toBe(log);
    expect(sandbox.storedStatus("last-base")).toMatchObject({ status: "ok" });
    expect(sandbox.status("last-base")).toMatchObject({ status: "failed", step: "storage" });
    const health = sandbox.run("backup-health.sh");
    expect(health.stdout).toMatch(/not mounted .*; last-base failed at step storage/);
    // The `backups` output still has the state, from the container.
    expect(manifest().lastBaseBackup).toMatchObject({ status: "failed", step: "storage" });

    writeFileSync(marker, "created=test\n");
    at(20);
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    expect(sandbox.status("last-base")).toMatchObject({ status: "ok" });
  });

  it("absent altogether: it is not created", () => {
    setup();
    require("node:fs").rmSync(sandbox.storage, { recursive: true });
    const r = sandbox.run("backup-base.sh");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/step=storage error="the backup storage is not mounted: .* does not exist"/);
    expect(existsSync(sandbox.storage)).toBe(false);
  });
});

describe("one base backup at a time", () => {
  it("a lock whose pid now belongs to another process (a reused pid) is a killed run's: it is taken over", () => {
    setup();
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    const lock = path.join(sandbox.runDir, "base.lock");
    mkdirSync(lock);
    writeFileSync(path.join(lock, "pid"), `${process.pid}\n`);
    at(10);
    const r = sandbox.run("backup-base.sh");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kind=base-takeover/);
    expect(sandbox.status("last-base")).toMatchObject({ status: "ok", run: stampAt(10) });
  });

  it("a run finds the lock of a live run: it stops without touching the status or the other run's files", () => {
    setup();
    expect(sandbox.run("backup-base.sh").code).toBe(0);
    const lock = path.join(sandbox.runDir, "base.lock");
    mkdirSync(lock);
    // The other run: a live process of a script named backup-base.sh (it only waits).
    const other = path.join(sandbox.dir, "other", "backup-base.sh");
    mkdirSync(path.dirname(other));
    writeFileSync(other, "/bin/sleep 120\n");
    const running = spawn("sh", [other], { stdio: "ignore" });
    writeFileSync(path.join(lock, "pid"), `${running.pid}\n`);
    const partial = path.join(sandbox.storage, "base", ".20261201T023500Z.partial");
    mkdirSync(partial);
    at(10);
    let r: ReturnType<ShellSandbox["run"]>;
    try {
      r = sandbox.run("backup-base.sh");
    } finally {
      running.kill("SIGKILL");
    }
    expect(r.code).toBe(75);
    expect(r.stdout).toMatch(/status=skipped error="another base run \(pid \d+\) is in progress"/);
    expect(sandbox.status("last-base")).toMatchObject({ status: "ok", run: stampAt(0) });
    expect(existsSync(partial)).toBe(true);
    expect(existsSync(lock)).toBe(true);
  });
});
