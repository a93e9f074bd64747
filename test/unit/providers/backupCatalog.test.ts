import { describe, expect, it } from "vitest";
import { describeRecoveryWindow, summarizeManifest, type BackupManifest } from "../../../providers/BackupCatalog";

// The `backups` output in one line. The window is never reversed: right after a fresh deploy the
// manifest of an older backup container said "19:54:01Z .. 19:54:00Z" (the newest archived WAL
// predated the base backup's end); that is the end of the base backup, and nothing later, yet.

function manifest(over: Partial<BackupManifest> = {}): BackupManifest {
  return {
    generatedAt: "2026-12-01T20:00:00Z",
    dumps: [{ database: "app", count: 2, bytes: 10, newest: "dumps/app/app-20261201T030000Z.dump", newestAt: "2026-12-01T03:00:00Z", oldest: "dumps/app/app-20261130T030000Z.dump" }],
    baseBackups: [{ stamp: "20261201T195356Z", startTime: "2026-12-01T19:53:56Z", endTime: "2026-12-01T19:54:01Z", bytes: 5, startWal: "000000010000000000000002", verifiedAt: "2026-12-01T19:54:03Z" }],
    wal: { segments: 3, bytes: 48, oldest: "000000010000000000000001", newest: "000000010000000000000003", newestArchivedAt: "2026-12-01T19:58:00Z" },
    recoveryWindow: { from: "2026-12-01T19:54:01Z", to: "2026-12-01T19:58:00Z", base: "20261201T195356Z", archivedPastBase: true },
    archiving: { failing: false, failedCount: 0, archivedCount: 3, lastFailedWal: "", lastFailedAt: "", lastArchivedWal: "000000010000000000000003", lastArchivedAt: "2026-12-01T19:58:00Z" },
    lastDumpRun: { status: "ok", finished: "2026-12-01T03:00:02Z", run: "20261201T030000Z" },
    lastBaseBackup: { status: "ok", finished: "2026-12-01T19:54:03Z", run: "20261201T195356Z" },
    lastDrill: null,
    ...over,
  };
}

describe("describeRecoveryWindow", () => {
  it("gives from .. to when the archive reaches past the base backup", () => {
    expect(describeRecoveryWindow(manifest())).toBe("point-in-time restore 2026-12-01T19:54:01Z .. 2026-12-01T19:58:00Z");
  });

  it("gives the end of the base backup only while the archive does not reach past it", () => {
    const m = manifest({ recoveryWindow: { from: "2026-12-01T19:54:01Z", to: "2026-12-01T19:54:01Z", base: "20261201T195356Z", archivedPastBase: false } });
    expect(describeRecoveryWindow(m)).toBe("point-in-time restore only to 2026-12-01T19:54:01Z, the end of base backup 20261201T195356Z: no WAL archived past it yet");
  });

  it("never prints a reversed window from an older manifest that has no archivedPastBase", () => {
    const m = manifest({ recoveryWindow: { from: "2026-12-01T19:54:01Z", to: "2026-12-01T19:54:00Z" } });
    const text = describeRecoveryWindow(m);
    expect(text).toBe("point-in-time restore only to 2026-12-01T19:54:01Z, the end of base backup 20261201T195356Z: no WAL archived past it yet");
    expect(text).not.toContain("..");
  });

  it("says there is none without a base backup", () => {
    expect(describeRecoveryWindow(manifest({ baseBackups: [], recoveryWindow: { from: "", to: "" } }))).toBe("no point-in-time restore yet");
  });
});

describe("summarizeManifest", () => {
  it("keeps the shape people and tests read when all is well", () => {
    expect(summarizeManifest(manifest())).toBe(
      "1 base backup(s), newest 20261201T195356Z; point-in-time restore 2026-12-01T19:54:01Z .. 2026-12-01T19:58:00Z; 3 WAL segment(s) archived; 2 dump(s) of 1 database(s); no restore drill yet",
    );
  });

  it("puts failing archiving, failed and interrupted jobs and gaps first, each with its step", () => {
    const s = summarizeManifest(
      manifest({
        archiving: { failing: true, failedCount: 12, archivedCount: 3, lastFailedWal: "000000010000000000000004", lastFailedAt: "2026-12-01T20:01:00Z", lastArchivedWal: "000000010000000000000003", lastArchivedAt: "2026-12-01T19:58:00Z" },
        lastBaseBackup: { status: "failed", finished: "2026-12-01T20:02:00Z", run: "20261201T200100Z", step: "pg_basebackup", error: "could not write: No space left on device" },
        lastDumpRun: { status: "interrupted", finished: "", run: "20261201T200300Z", step: "pg_dump" },
        wal: { segments: 3, bytes: 48, oldest: "000000010000000000000001", newest: "000000010000000000000005", newestArchivedAt: "2026-12-01T19:58:00Z", gaps: 1, firstGap: "after 000000010000000000000003" },
      }),
    );
    expect(s.split("; ").slice(0, 4)).toEqual([
      "WAL ARCHIVING FAILING: 12 failed attempt(s), the last for 000000010000000000000004 at 2026-12-01T20:01:00Z",
      "last base backup FAILED at step pg_basebackup (2026-12-01T20:02:00Z): could not write: No space left on device",
      "last dump run INTERRUPTED at step pg_dump (run 20261201T200300Z)",
      "the WAL archive has 1 gap(s), the first after 000000010000000000000003",
    ]);
  });

  it("reads a manifest without the newer fields", () => {
    const old = manifest();
    delete old.archiving;
    expect(summarizeManifest(old)).toMatch(/^1 base backup\(s\)/);
  });
});
