import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShellSandbox } from "../../support/shellSandbox";

// These spawn shells: generous bounds, the machine may be busy.
vi.setConfig({ testTimeout: 120_000 });

// restore-plan.sh under dash: one line saying what is wrong, before anything is written. Issue 14,
// item 2: a time it cannot read is reported as such (it used to fail inside a command
// substitution and go on with an empty value). And the archived WAL a restore would replay is
// checked first: a gap or a corrupted segment is named.

let sandbox: ShellSandbox;
afterEach(() => sandbox?.cleanup());
const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z");
const T = Date.UTC(2026, 11, 1, 10, 0, 0) / 1000;
const seg = (n: number) => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, "0")}`;

/** A storage with a base backup ending at T (in segment 2) and segments `from`..`to` archived a minute apart after T. */
function storage(opts: { segments?: number[] } = {}): void {
  sandbox = new ShellSandbox();
  const base = path.join(sandbox.storage, "base", "20261201T095900Z");
  mkdirSync(base);
  writeFileSync(path.join(base, "info"), `stamp=20261201T095900Z\nstart_time=${iso(T - 60)}\nend_time=${iso(T)}\nstart_wal=${seg(2)}\nstart_lsn=0/2000028\nend_lsn=0/2000100\ntimeline=1\nbytes=10\nverified=stored-archive\nverified_at=${iso(T)}\n`);
  writeFileSync(path.join(base, "base.tar.gz"), gzipSync("a tar archive"));
  writeFileSync(path.join(base, "backup_manifest"), "{}");
  const pgwal = path.join(sandbox.dir, "pg_wal");
  mkdirSync(pgwal);
  for (const n of opts.segments ?? [2, 3, 4, 5, 6]) {
    writeFileSync(path.join(pgwal, seg(n)), Buffer.alloc(16 * 1024, n));
    sandbox.fixture("clock", String(T + (n - 1) * 60));
    const r = sandbox.run("archive-wal.sh", [path.join(pgwal, seg(n)), seg(n)]);
    expect(r.code, r.stderr).toBe(0);
  }
  require("node:fs").rmSync(path.join(sandbox.fakes, "clock"));
}
function corrupt(n: number): void {
  const f = path.join(sandbox.storage, "wal", seg(n));
  const b = readFileSync(f);
  b[100] ^= 1;
  writeFileSync(f, b);
}
const plan = (...args: string[]) => sandbox.run("restore-plan.sh", [sandbox.storage, "base", ...args]);

describe("restore-plan.sh base", () => {
  it("names the base backup, what it covers, and how many archived segments it checked", () => {
    storage();
    const r = plan();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "base=20261201T095900Z",
      `base_end_time=${iso(T)}`,
      `base_start_wal=${seg(2)}`,
      "base_timeline=1",
      `newest_wal=${seg(6)}`,
      `newest_wal_at=${iso(T + 300)}`,
      "target=latest",
      "wal_checked=5",
      "",
    ]);
  });

  it("says it cannot read a target time, and nothing else", () => {
    storage();
    const r = plan("yesterday at noon");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("pgstack-restore: cannot read the target time 'yesterday at noon': give restore.targetTime as an ISO 8601 UTC time such as 2026-11-24T10:15:00Z\n");
  });

  it("names a base backup whose end time cannot be read", () => {
    storage();
    const info = path.join(sandbox.storage, "base", "20261201T095900Z", "info");
    writeFileSync(info, readFileSync(info, "utf8").replace(/^end_time=.*$/m, "end_time=soon"));
    const r = plan(iso(T + 120));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pgstack-restore: base\/20261201T095900Z\/info gives no readable end_time \('soon'\); remove that backup/);
  });

  it("refuses a target before the oldest base backup or after the newest archived WAL", () => {
    storage();
    expect(plan("2001-01-01T00:00:00.000Z").stderr).toBe(`pgstack-restore: targetTime 2001-01-01T00:00:00.000Z is before the oldest base backup, which ended at ${iso(T)}: the earliest point this storage can restore is ${iso(T)}\n`);
    expect(plan(iso(T + 3600)).stderr).toBe(
      `pgstack-restore: targetTime ${iso(T + 3600)} is after the newest archived WAL (${seg(6)}, archived at ${iso(T + 300)}): later writes were never archived; restore to that time or earlier, or omit targetTime for the latest point\n`,
    );
    expect(plan(`${iso(T + 150).slice(0, -1)}.250Z`).code).toBe(0);
  });

  it("refuses to restore across a gap in the archive, saying how far a restore can reach", () => {
    storage({ segments: [2, 3, 5, 6] });
    const r = plan();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pgstack-restore: archived WAL has a gap: no segment follows ${seg(3)} (the next archived one is ${seg(5)}); a restore can reach only the end of ${seg(3)} (archived at ${iso(T + 120)}): set restore.targetTime before that, or put an intact copy of the segment back\n`);
    // Up to the gap, it can.
    expect(plan(iso(T + 90)).code).toBe(0);
  });

  it("refuses to replay a corrupted segment, naming it; a restore to a point before it goes ahead with a note", () => {
    storage();
    corrupt(4);
    const latest = plan();
    expect(latest.code).toBe(1);
    expect(latest.stderr).toBe(`pgstack-restore: archived WAL segment ${seg(4)} is corrupted: its checksum no longer matches ${seg(4)}.sum, written when it was archived; a restore can reach only the end of ${seg(3)} (archived at ${iso(T + 120)}): set restore.targetTime before that, or put an intact copy of the segment back\n`);
    // Segment 4 was archived after this target: perhaps not needed, so the restore is allowed,
    // and restore-wal.sh stops it if recovery does reach that segment.
    const before = plan(iso(T + 90));
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain(`note=archived WAL segment ${seg(4)} is corrupted`);
    // Archived before this target: certainly needed.
    const across = plan(iso(T + 200));
    expect(across.code).toBe(1);
    expect(across.stderr).toContain(`archived WAL segment ${seg(4)} is corrupted`);
  });

  it("leaves the segments unread when asked (the primary's restore-bootstrap.sh)", () => {
    storage();
    corrupt(4);
    const r = sandbox.run("restore-plan.sh", [sandbox.storage, "base"], { env: { PGSTACK_PLAN_WAL_CHECK: "0" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("wal_check=skipped");
  });

  it("refuses a storage that is not pgstack's, or has no base backup", () => {
    sandbox = new ShellSandbox();
    expect(plan().stderr).toMatch(/^pgstack-restore: no base backup in .*\/base: a point-in-time restore needs one/);
    require("node:fs").rmSync(path.join(sandbox.storage, ".pgstack-backups"));
    expect(plan().stderr).toMatch(/is not pgstack backup storage \(no \.pgstack-backups marker\)/);
  });
});

describe("restore-plan.sh dump", () => {
  it("takes the newest dump for latest, and refuses one pg_restore -l rejects", () => {
    sandbox = new ShellSandbox();
    const dir = path.join(sandbox.storage, "dumps", "app");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "app-20261201T030000Z.dump"), "PGDMP\nTOC\nPGDMP-END\n");
    writeFileSync(path.join(dir, "app-20261202T030000Z.dump"), "PGDMP\nTOC\nPGDMP-END\n");
    const r = sandbox.run("restore-plan.sh", [sandbox.storage, "dump", "app", "latest"]);
    expect(r.stdout).toBe("dump=dumps/app/app-20261202T030000Z.dump\n");
    writeFileSync(path.join(dir, "app-20261202T030000Z.dump"), "garbage");
    expect(sandbox.run("restore-plan.sh", [sandbox.storage, "dump", "app", "latest"]).stderr).toMatch(/dump dumps\/app\/app-20261202T030000Z.dump is corrupted or not a pg_dump -Fc archive/);
  });
});
