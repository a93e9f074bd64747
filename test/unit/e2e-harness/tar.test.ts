import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tarArchive } from "../../e2e/harness/tar";

const dir = mkdtempSync(path.join(tmpdir(), "pgstack-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tarArchive", () => {
  it("writes an archive GNU tar extracts with the paths, modes and contents given", () => {
    const big = Buffer.alloc(1500, "x");
    const archive = tarArchive([
      { path: "pgstack/bin/entrypoint.sh", mode: 0o744, content: Buffer.from("#!/bin/sh\necho hi\n") },
      { path: "pgstack/secrets/pgpass", mode: 0o600, content: Buffer.from("*:*:*:u:p\n") },
      { path: "pgstack/conf/big.conf", mode: 0o644, content: big },
    ]);
    expect(archive.length % 512).toBe(0);
    const file = path.join(dir, "a.tar");
    writeFileSync(file, archive);
    const out = path.join(dir, "out");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("tar", ["-xf", file, "-C", out, "--no-same-owner"]);
    expect(readFileSync(path.join(out, "pgstack/bin/entrypoint.sh"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(statSync(path.join(out, "pgstack/bin/entrypoint.sh")).mode & 0o777).toBe(0o744);
    expect(statSync(path.join(out, "pgstack/secrets/pgpass")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(out, "pgstack/conf/big.conf")).equals(big)).toBe(true);
    const listing = execFileSync("tar", ["-tvf", file], { encoding: "utf8" });
    expect(listing).toMatch(/root\/root|0\/0/);
  });

  it("refuses paths it cannot store", () => {
    expect(() => tarArchive([{ path: "x".repeat(101), mode: 0o644, content: Buffer.alloc(0) }])).toThrow(/longer than/);
  });
});
