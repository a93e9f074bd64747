import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { gzipSync } from "node:zlib";
import { summarizeManifest, type BackupManifest } from "../../../providers/BackupCatalog";
import { ShellSandbox } from "../../support/shellSandbox";

// These spawn shells: generous bounds, the machine may be busy.
vi.setConfig({ testTimeout: 120_000 });

// backup-manifest.sh and backup-health.sh under dash. The point-in-time window is never reversed:
// right after a fresh deploy the archive does not yet reach past the first base backup's end, and
// the manifest says a restore reaches that end only (it used to print "19:54:01Z .. 19:54:00Z").

let sandbox: ShellSandbox;
afterEach(() => sandbox?.cleanup());
const T = Date.UTC(2026, 11, 1, 19, 54, 1) / 1000;
const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z");
const seg = (n: number) => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, "0")}`;

function base(stamp: string, end: number, endLsn: string): void {
  const d = path.join(sandbox.storage, "base", stamp);
  mkdirSync(d);
  writeFileSync(path.join(d, "info"), `stamp=${stamp}\nstart_time=${iso(end - 5)}\nend_time=${iso(end)}\nstart_wal=${seg(2)}\nend_lsn=${endLsn}\ntimeline=1\nbytes=123\nverified=stored-archive\nverified_at=${iso(end)}\n`);
  writeFileSync(path.join(d, "base.tar.gz"), gzipSync("x"));
  writeFileSync(path.join(d, "backup_manifest"), "{}");
}
/** Archives segment n at time `at` through archive-wal.sh itself. */
function archive(n: number, at: number): void {
  const src = path.join(sandbox.dir, seg(n));
  writeFileSync(src, Buffer.alloc(8192, n));
  sandbox.fixture("clock", String(at));
  expect(sandbox.run("archive-wal.sh", [src, seg(n)]).code).toBe(0);
}
function manifest(): BackupManifest {
  sandbox.fixture("clock", String(T + 3600));
  const r = sandbox.run("backup-manifest.sh", ["--print"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as BackupManifest;
}

describe("the point-in-time window", () => {
  it("right after a fresh deploy: only the end of the base backup, never a window that ends before it starts", () => {
    sandbox = new ShellSandbox();
    // The base backup ended in segment 3 at T; only segment 2 is archived yet, a second earlier.
    archive(2, T - 1);
    base("20261201T195356Z", T, "0/3000100");
    const m = manifest();
    expect(m.recoveryWindow).toEqual({ from: iso(T), to: iso(T), base: "20261201T195356Z", archivedPastBase: false });
    expect(summarizeManifest(m)).toContain(`point-in-time restore only to ${iso(T)}, the end of base backup 20261201T195356Z: no WAL archived past it yet`);
    expect(sandbox.read("MANIFEST.txt")).toContain(`Point-in-time restore reaches only the end of base backup 20261201T195356Z (${iso(T)}): no WAL is archived past it yet.`);
  });

  it("once the archive passes the backup's end: from that end to the newest archived segment", () => {
    sandbox = new ShellSandbox();
    archive(2, T - 1);
    base("20261201T195356Z", T, "0/3000100");
    archive(3, T + 30);
    archive(4, T + 90);
    const m = manifest();
    expect(m.recoveryWindow).toEqual({ from: iso(T), to: iso(T + 90), base: "20261201T195356Z", archivedPastBase: true });
    expect(summarizeManifest(m)).toMatch(new RegExp(`^1 base backup\\(s\\), newest 20261201T195356Z; point-in-time restore ${iso(T)} \\.\\. ${iso(T + 90)}; 3 WAL segment\\(s\\) archived;`));
    expect(sandbox.read("MANIFEST.txt")).toContain(`Point-in-time restore reaches from ${iso(T)} to ${iso(T + 90)}.`);
    expect(m.wal).toMatchObject({ segments: 3, bytes: 3 * 8192, oldest: seg(2), newest: seg(4), newestArchivedAt: iso(T + 90), gaps: 0 });
  });

  it("starts at the oldest backup the archive continues; a gap ends the window before it, and is reported", () => {
    sandbox = new ShellSandbox();
    base("20261201T195356Z", T, "0/2000100");
    archive(2, T + 10);
    archive(3, T + 20);
    archive(5, T + 40);
    let m = manifest();
    // Nothing continues into segment 5 from a base backup: the window ends with segment 3.
    expect(m.recoveryWindow).toMatchObject({ from: iso(T), to: iso(T + 20), archivedPastBase: true });
    expect(m.wal).toMatchObject({ gaps: 1, firstGap: `after ${seg(3)}` });
    expect(summarizeManifest(m)).toMatch(new RegExp(`^the WAL archive has 1 gap\\(s\\), the first after ${seg(3)}; `));
    // A newer backup after the gap starts a window that reaches the newest segment.
    base("20261201T195500Z", T + 50, "0/5000100");
    archive(6, T + 70);
    m = manifest();
    expect(m.recoveryWindow).toMatchObject({ from: iso(T + 50), to: iso(T + 70), base: "20261201T195500Z" });
  });
});

describe("WAL archiving and job status in the manifest", () => {
  it("reports failing archiving first, and a job's failed step", () => {
    sandbox = new ShellSandbox();
    base("20261201T195356Z", T, "0/2000100");
    sandbox.fixture("archiver", `7 40 ${seg(9)} 2026-12-01T20:10:00Z ${seg(8)} 2026-12-01T20:00:00Z t\n`);
    mkdirSync(path.join(sandbox.runDir, "status"));
    writeFileSync(path.join(sandbox.runDir, "status", "last-run"), "run=20261201T200000Z\nstatus=failed\nexit=1\nstep=pg_dump\nerror=app: No space left on device\nfinished=2026-12-01T20:00:05Z\n");
    const m = manifest();
    expect(m.archiving).toEqual({ failing: true, failedCount: 7, archivedCount: 40, lastFailedWal: seg(9), lastFailedAt: "2026-12-01T20:10:00Z", lastArchivedWal: seg(8), lastArchivedAt: "2026-12-01T20:00:00Z" });
    expect(m.lastDumpRun).toMatchObject({ status: "failed", step: "pg_dump", error: "app: No space left on device" });
    expect(summarizeManifest(m)).toMatch(
      new RegExp(`^WAL ARCHIVING FAILING: 7 failed attempt\\(s\\), the last for ${seg(9)} at 2026-12-01T20:10:00Z; last dump run FAILED at step pg_dump \\(2026-12-01T20:00:05Z\\): app: No space left on device; 1 base backup`),
    );
    expect(sandbox.read("MANIFEST.txt")).toContain(`WAL archiving: FAILING: 7 failed attempt(s), the last for ${seg(9)} at 2026-12-01T20:10:00Z`);
  });

  it("says archiving is unknown when the primary does not answer, and still prints when the storage is gone", () => {
    sandbox = new ShellSandbox();
    sandbox.fault("psql", "fail");
    expect(manifest().archiving).toBeNull();
    require("node:fs").rmSync(sandbox.storage, { recursive: true });
    const m = manifest();
    expect(m.baseBackups).toEqual([]);
    expect(m.recoveryWindow).toMatchObject({ from: "", to: "" });
  });
});

describe("backup-health.sh", () => {
  function healthy(): ShellSandbox {
    sandbox = new ShellSandbox();
    sandbox.fixture("clock", String(T));
    writeFileSync(path.join(sandbox.runDir, "scheduler.heartbeat"), `${T - 10}\n`);
    sandbox.fixture("archiver", `0 40 - - ${seg(8)} 2026-12-01T20:00:00Z f\n`);
    return sandbox;
  }
  const health = () => sandbox.run("backup-health.sh");

  it("is healthy with a fresh heartbeat, a writable storage and archiving that works", () => {
    healthy();
    expect(health()).toMatchObject({ code: 0, stdout: "" });
  });

  it("is unhealthy when the heartbeat is old, but not when the clock went back", () => {
    healthy();
    writeFileSync(path.join(sandbox.runDir, "scheduler.heartbeat"), `${T - 200}\n`);
    expect(health()).toMatchObject({ code: 1, stdout: "scheduler heartbeat is 200 s old\n" });
    writeFileSync(path.join(sandbox.runDir, "scheduler.heartbeat"), `${T + 3600}\n`);
    expect(health().code).toBe(0);
  });

  it("is unhealthy while WAL archiving fails, naming the segment", () => {
    healthy();
    sandbox.fixture("archiver", `3 40 ${seg(9)} 2026-12-01T20:10:00Z ${seg(8)} 2026-12-01T20:00:00Z t\n`);
    expect(health()).toMatchObject({ code: 1, stdout: `WAL archiving is failing on primary: 3 failed attempt(s) so far, the last for ${seg(9)} at 2026-12-01T20:10:00Z (the primary keeps the WAL and retries; see its log)\n` });
  });

  it("does not count a primary that does not answer", () => {
    healthy();
    sandbox.fault("psql", "fail");
    expect(health().code).toBe(0);
  });

  it("prefers the container's status over the storage's older copy", () => {
    healthy();
    writeFileSync(path.join(sandbox.storage, "status", "last-base"), "status=ok\n");
    mkdirSync(path.join(sandbox.runDir, "status"));
    writeFileSync(path.join(sandbox.runDir, "status", "last-base"), "status=failed\nstep=verify\nerror=pg_verifybackup rejects the stored backup\n");
    expect(health().stdout).toMatch(/^last-base failed at step verify: pg_verifybackup rejects the stored backup/);
    // A live run of backup-base.sh (it only waits): running, not interrupted.
    const other = path.join(sandbox.dir, "other", "backup-base.sh");
    mkdirSync(path.dirname(other));
    writeFileSync(other, "/bin/sleep 120\n");
    const running = spawn("sh", [other], { stdio: "ignore" });
    try {
      writeFileSync(path.join(sandbox.runDir, "status", "last-base"), `status=running\nstep=compress\npid=${running.pid}\nrun=x\n`);
      expect(health().code).toBe(0);
      // The same pid once it is another process's (a reused pid): the run was interrupted.
      writeFileSync(path.join(sandbox.runDir, "status", "last-base"), `status=running\nstep=compress\npid=${process.pid}\nrun=x\n`);
      expect(health().stdout).toMatch(/last-base was interrupted at step compress/);
    } finally {
      running.kill("SIGKILL");
    }
  });
});
