import { describe, expect, it } from "vitest";
import { backupLogLines, numericField, parseBackupLogLine } from "../../../bench/backupLog";

describe("parseBackupLogLine", () => {
  it("reads the time and the key=value fields", () => {
    const l = parseBackupLogLine("2026-11-24T00:31:24Z pgstack-backup: run=20261124T003122Z kind=base status=ok bytes=5003992 start_wal=000000010000000000000004 duration_s=2");
    expect(l?.at).toBe("2026-11-24T00:31:24Z");
    expect(l?.fields).toEqual({ run: "20261124T003122Z", kind: "base", status: "ok", bytes: "5003992", start_wal: "000000010000000000000004", duration_s: "2" });
  });

  it("keeps quotes inside a quoted value: it ends at the quote before the next key", () => {
    const l = parseBackupLogLine(
      '2026-11-24T00:45:39Z pgstack-backup: run=x kind=drill status=failed duration_s=1 dump="restoring a.dump failed: connection to server on socket "/tmp/s/.s.PGSQL.5499" failed: FATAL:  Peer authentication failed for user "pgstack_backup"" base="base backup b did not start"',
    );
    expect(l?.fields.dump).toBe('restoring a.dump failed: connection to server on socket "/tmp/s/.s.PGSQL.5499" failed: FATAL:  Peer authentication failed for user "pgstack_backup"');
    expect(l?.fields.base).toBe("base backup b did not start");
    expect(l?.fields.duration_s).toBe("1");
  });

  it("ignores other lines", () => {
    expect(parseBackupLogLine("pg_dump: warning")).toBeUndefined();
  });
});

describe("backupLogLines and numericField", () => {
  const text = [
    "2026-11-24T00:45:37Z pgstack-backup: run=r db=postgres status=ok file=/x/postgres.dump bytes=1200 duration_ms=80",
    "2026-11-24T00:45:37Z pgstack-backup: run=r db=app status=ok file=/x/app.dump bytes=4652 duration_ms=205",
    "noise",
    "2026-11-24T00:45:37Z pgstack-backup: run=r status=ok databases=2 failures=0 bytes=5852 duration_ms=300",
  ].join("\n");

  it("selects the lines whose fields match", () => {
    const app = backupLogLines(text, { db: "app" });
    expect(app).toHaveLength(1);
    expect(numericField(app[0], "bytes")).toBe(4652);
    expect(backupLogLines(text)).toHaveLength(3);
  });

  it("gives undefined for a missing or non-numeric field", () => {
    const [line] = backupLogLines(text, { db: "app" });
    expect(numericField(line, "duration_s")).toBeUndefined();
    expect(numericField(line, "file")).toBeUndefined();
    expect(numericField(undefined, "bytes")).toBeUndefined();
  });
});
