import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShellSandbox } from "../../support/shellSandbox";

// These spawn shells: generous bounds, the machine may be busy.
vi.setConfig({ testTimeout: 120_000 });

// archive-wal.sh (archive_command) and restore-wal.sh (restore_command) under dash: a failed copy
// leaves nothing behind (issue 14, item 3), every archived file gets a checksum, and a segment
// that no longer matches it is never handed to PostgreSQL.

const SEG = "000000010000000000000005";
let sandbox: ShellSandbox;
afterEach(() => sandbox?.cleanup());

function setup(): { src: string; wal: string } {
  sandbox = new ShellSandbox();
  sandbox.fixture("clock", String(Date.UTC(2026, 11, 1, 10, 0, 0) / 1000));
  const src = path.join(sandbox.dir, "pg_wal", SEG);
  require("node:fs").mkdirSync(path.dirname(src));
  writeFileSync(src, Buffer.alloc(64 * 1024, 7));
  return { src, wal: path.join(sandbox.storage, "wal") };
}
const cksum = (file: string) => {
  const r = require("node:child_process").spawnSync("cksum", { input: readFileSync(file), encoding: "utf8" });
  const [crc, size] = r.stdout.trim().split(/\s+/);
  return { crc, size };
};

describe("archive-wal.sh", () => {
  it("copies the segment, compares the copy, and records its checksum and when it was archived", () => {
    const { src, wal } = setup();
    const r = sandbox.run("archive-wal.sh", [src, SEG]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(wal, SEG))).toEqual(readFileSync(src));
    const { crc, size } = cksum(src);
    expect(readFileSync(path.join(wal, `${SEG}.sum`), "utf8")).toBe(`cksum=${crc} size=${size} archived_at=2026-12-01T10:00:00Z\n`);
    expect(sandbox.list("wal")).toEqual([SEG, `${SEG}.sum`]);
  });

  it("fails loudly on a full storage, leaves no partial file, and succeeds on the retry once there is room", () => {
    const { src, wal } = setup();
    sandbox.fault("cp", "full");
    const r = sandbox.run("archive-wal.sh", [src, SEG]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No space left on device");
    expect(r.stderr).toContain(`copying ${SEG} into ${wal} failed (see the line above: a full or read-only backup storage?); it stays in pg_wal and is retried`);
    expect(sandbox.list("wal")).toEqual([]);
    sandbox.clearFaults();
    expect(sandbox.run("archive-wal.sh", [src, SEG]).code).toBe(0);
    expect(sandbox.list("wal")).toEqual([SEG, `${SEG}.sum`]);
  });

  it("removes what a killed earlier attempt left", () => {
    const { src, wal } = setup();
    writeFileSync(path.join(wal, `.${SEG}.4242.partial`), "half");
    writeFileSync(path.join(wal, `.${SEG}.sum.4242.partial`), "half");
    expect(sandbox.run("archive-wal.sh", [src, SEG]).code).toBe(0);
    expect(sandbox.list("wal")).toEqual([SEG, `${SEG}.sum`]);
  });

  it("accepts the same file again (adding a missing checksum) and refuses different content", () => {
    const { src, wal } = setup();
    expect(sandbox.run("archive-wal.sh", [src, SEG]).code).toBe(0);
    require("node:fs").rmSync(path.join(wal, `${SEG}.sum`));
    expect(sandbox.run("archive-wal.sh", [src, SEG]).code).toBe(0);
    expect(existsSync(path.join(wal, `${SEG}.sum`))).toBe(true);
    writeFileSync(src, "other");
    const r = sandbox.run("archive-wal.sh", [src, SEG]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("already exists with different content; refusing to overwrite it");
  });

  it("refuses a storage without its marker, writing nothing", () => {
    const { src } = setup();
    require("node:fs").rmSync(path.join(sandbox.storage, ".pgstack-backups"));
    const r = sandbox.run("archive-wal.sh", [src, SEG]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`backup storage is not mounted at ${sandbox.storage} (no .pgstack-backups marker); ${SEG} stays in pg_wal until it is`);
    expect(sandbox.list("wal")).toEqual([]);
  });
});

describe("restore-wal.sh", () => {
  function archived(): { wal: string; data: string } {
    const { src, wal } = setup();
    expect(sandbox.run("archive-wal.sh", [src, SEG]).code).toBe(0);
    const data = path.join(sandbox.dir, "data");
    require("node:fs").mkdirSync(path.join(data, "pg_wal"), { recursive: true });
    return { wal, data };
  }

  it("hands over an intact segment", () => {
    const { wal, data } = archived();
    const r = sandbox.run("restore-wal.sh", [wal, SEG, "pg_wal/RECOVERYXLOG"], { cwd: data });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(data, "pg_wal/RECOVERYXLOG"))).toEqual(readFileSync(path.join(wal, SEG)));
  });

  it("never hands over a corrupted segment: it names it, and leaves its name for restore-bootstrap.sh", () => {
    const { wal, data } = archived();
    const file = path.join(wal, SEG);
    const bytes = readFileSync(file);
    bytes[30_000] ^= 0xff;
    writeFileSync(file, bytes);
    const r = sandbox.run("restore-wal.sh", [wal, SEG, "pg_wal/RECOVERYXLOG"], { cwd: data });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^pgstack-restore: archived WAL file ${SEG} is corrupted: checksum and size \\d+ 65536, but \\d+ 65536 when it was archived`));
    expect(existsSync(path.join(data, "pg_wal/RECOVERYXLOG"))).toBe(false);
    expect(readFileSync(path.join(data, "pgstack.corrupt-wal"), "utf8")).toBe(`${SEG}\n`);
    // Asked again (PostgreSQL retries), the name is not repeated.
    sandbox.run("restore-wal.sh", [wal, SEG, "pg_wal/RECOVERYXLOG"], { cwd: data });
    expect(readFileSync(path.join(data, "pgstack.corrupt-wal"), "utf8")).toBe(`${SEG}\n`);
  });

  it("exits 1 for a file that is not archived, and copies one archived before checksums were kept", () => {
    const { wal, data } = archived();
    expect(sandbox.run("restore-wal.sh", [wal, "00000002.history", "pg_wal/RECOVERYHISTORY"], { cwd: data }).code).toBe(1);
    require("node:fs").rmSync(path.join(wal, `${SEG}.sum`));
    expect(sandbox.run("restore-wal.sh", [wal, SEG, "pg_wal/RECOVERYXLOG"], { cwd: data }).code).toBe(0);
    expect(existsSync(path.join(data, "pg_wal/RECOVERYXLOG"))).toBe(true);
  });
});
