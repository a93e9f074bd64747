import { describe, expect, it } from "vitest";
import { backupAgeBound, humanBytes, judge } from "../../../scripts/lib/status/judge";
import { healthy, manifest, member, NOW } from "./fixtures";

const reasons = (over: Parameters<typeof healthy>[0]) => judge(healthy(over), NOW).reasons;

describe("the verdict", () => {
  it("is healthy, exit 0, with no reasons, for a cluster where everything streams and backups are fresh", () => {
    expect(judge(healthy(), NOW)).toEqual({ state: "healthy", code: 0, reasons: [] });
  });

  it("names a stopped replica, exit 1", () => {
    const v = judge(healthy({ members: [member("primary"), member("replica-1"), member("replica-2", { role: "stopped", containerState: "exited" })] }), NOW);
    expect(v).toEqual({ state: "degraded", code: 1, reasons: ["replica-2 is stopped (container exited)"] });
  });

  it("names a replica that runs but does not stream, with what its WAL receiver says", () => {
    expect(reasons({ members: [member("primary"), member("replica-1", { walSenderState: undefined, receiverStatus: "waiting" }), member("replica-2")] })).toEqual([
      "replica-1 is not streaming from primary (walsender: none, WAL receiver: waiting)",
    ]);
    expect(reasons({ members: [member("primary"), member("replica-1", { walSenderState: "catchup" }), member("replica-2")] })[0]).toMatch(/walsender: catchup/);
  });

  it("names lag over either bound", () => {
    expect(reasons({ members: [member("primary"), member("replica-1", { lagBytes: 64 * 1024 * 1024 }), member("replica-2", { lagSeconds: 95 })] })).toEqual([
      "replica-1 lags 64.0 MiB behind (bound 16.0 MiB)",
      "replica-2 replays 1m 35s behind (bound 30 s)",
    ]);
    expect(reasons({ members: [member("primary"), member("replica-1", { lagBytes: 16 * 1024 * 1024, lagSeconds: 30 }), member("replica-2")] })).toEqual([]);
  });

  it("names a slot holding more than half its bound, and a lost slot", () => {
    const slots = healthy().slots!;
    expect(reasons({ slots: [{ ...slots[0], retainedBytes: 2.5 * 1024 ** 3 }, { ...slots[1], walStatus: "lost" }] })).toEqual([
      "slot replica_1 retains 2.5 GiB, over half of max_slot_wal_keep_size (4.0 GiB)",
      "slot replica_2 is lost: its WAL was removed; its replica must be cloned again",
    ]);
    expect(reasons({ slots: [{ ...slots[0], retainedBytes: 2 * 1024 ** 3 }] })).toEqual([]);
    expect(reasons({ slots: [{ ...slots[0], retainedBytes: 9 * 1024 ** 3, limitBytes: -1 }] })).toEqual([]);
  });

  it("names failing WAL archiving, but not a failure archiving has since recovered from", () => {
    const failing = { archivedCount: 40, lastArchivedWal: "A", lastArchivedAt: "2026-12-02T11:00:00Z", failedCount: 7, lastFailedWal: "B", lastFailedAt: "2026-12-02T11:59:00Z" };
    expect(reasons({ archiver: failing })).toEqual(["WAL archiving is failing: B failed at 2026-12-02T11:59:00Z, last success 2026-12-02T11:00:00Z"]);
    expect(reasons({ archiver: { ...failing, lastArchivedAt: "2026-12-02T11:59:30Z" } })).toEqual([]);
  });

  it("names a dump or base backup older than its schedule allows, and failed runs and drills", () => {
    // Daily at 03:00: the newest good dump may be 25 h old (24 h + 60 min of grace).
    const late = new Date("2026-12-03T04:10:00Z");
    expect(judge(healthy(), late).reasons).toEqual([
      'the newest good dump is 25h 9m old; backup.schedule "0 3 * * *" allows 25h',
      'the newest good base backup is 25h 38m old; backup.baseBackupSchedule "30 2 * * *" allows 25h',
    ]);
    expect(judge(healthy(), new Date("2026-12-03T03:50:00Z")).reasons).toEqual(['the newest good base backup is 25h 18m old; backup.baseBackupSchedule "30 2 * * *" allows 25h']);
    const m = manifest({ lastDumpRun: { status: "failed", finished: "2026-12-02T09:00:00Z", run: "r" }, lastDrill: { status: "failed", finished: "2026-11-29T05:03:00Z", run: "d" } });
    expect(reasons({ backups: { ...healthy().backups!, manifest: m } })).toEqual([
      "the last dump run failed at 2026-12-02T09:00:00Z (see log/backups.log)",
      "the last restore drill failed at 2026-11-29T05:03:00Z (see status/last-drill)",
    ]);
  });

  it("counts from the backup storage's creation while no backup exists, so a new stack is not degraded", () => {
    const empty = manifest({ dumps: [], baseBackups: [], lastDumpRun: null, lastBaseBackup: null, lastDrill: null });
    expect(reasons({ backups: { ...healthy().backups!, manifest: empty, storageCreatedAt: "2026-12-02T11:00:00Z" } })).toEqual([]);
    expect(reasons({ backups: { ...healthy().backups!, manifest: empty, storageCreatedAt: "2026-12-01T09:00:00Z" } })).toEqual([
      'no good dump yet, 27h after the backup storage was created; backup.schedule "0 3 * * *" allows 25h',
      'no good base backup yet, 27h after the backup storage was created; backup.baseBackupSchedule "30 2 * * *" allows 25h',
    ]);
  });

  it("names PgBouncer keeping clients waiting past the bound, or not answering", () => {
    const b = healthy().pgbouncer!;
    expect(reasons({ pgbouncer: { ...b, pools: [{ ...b.pools[0], clWaiting: 40, maxwaitSeconds: 7.25 }, { ...b.pools[1], clWaiting: 3, maxwaitSeconds: 1 }] } })).toEqual([
      "PgBouncer keeps 40 client(s) of app/app waiting, the longest 7.3 s (bound 5 s)",
    ]);
    expect(reasons({ pgbouncer: { ...b, reachable: false, error: "container exited", pools: [] } })).toEqual(["PgBouncer does not answer (container exited)"]);
    expect(reasons({ backups: { container: "prod-backup", containerState: "exited", health: "none", error: "container exited" } })).toEqual([
      "backups: cannot read the manifest (container exited)",
    ]);
  });

  it("during a failover: no primary, the old one fenced, the replicas still named", () => {
    const v = judge(
      healthy({
        members: [member("primary", { role: "fenced", containerState: "exited", fence: { new_primary: "replica-1", fenced_at: "2026-12-02T11:58:00Z" } }), member("replica-1"), member("replica-2")],
        primary: undefined,
        slots: undefined,
        archiver: undefined,
      }),
      NOW,
    );
    expect(v.code).toBe(1);
    expect(v.reasons).toEqual([
      "no member accepts writes: there is no primary (npm run failover promotes a replica)",
      "primary is fenced by a failover to replica-1 at 2026-12-02T11:58:00Z: start its container to rejoin as a replica",
    ]);
  });

  it("names a split brain", () => {
    expect(reasons({ members: [member("primary"), member("replica-1", { role: "primary" }), member("replica-2")] })[0]).toBe("split brain: primary and replica-1 both accept writes");
  });

  it("is unreachable, exit 2, when no member answers, no container exists, or the Docker host is down", () => {
    const down = judge(healthy({ members: [member("primary", { role: "unreachable", error: "psql: connection refused" }), member("replica-1", { role: "stopped", containerState: "exited" })] }), NOW);
    expect(down).toEqual({ state: "unreachable", code: 2, reasons: ["no PostgreSQL member answers", "primary: unreachable (psql: connection refused)", "replica-1: stopped"] });
    const none = judge(healthy({ members: [member("primary", { role: "missing", container: undefined, containerState: "absent" })] }), NOW);
    expect(none).toEqual({ state: "unreachable", code: 2, reasons: ["no container of stack prod on default (label pgstack.stack=prod)"] });
    const host = judge(healthy({ members: [member("primary", { role: "missing" })], unreachableHosts: [{ host: "ssh://db1", error: "Cannot connect to the Docker daemon" }] }), NOW);
    expect(host).toEqual({ state: "unreachable", code: 2, reasons: ["Docker host ssh://db1 does not answer: Cannot connect to the Docker daemon"] });
  });

  it("has bounds and sizes people read", () => {
    expect(backupAgeBound("0 */6 * * *", 30)).toBe(6.5 * 3600);
    expect(backupAgeBound("0 0 30 2 *", 30)).toBeUndefined();
    expect([0, 1023, 1536, 5 * 1024 ** 3].map(humanBytes)).toEqual(["0 B", "1023 B", "1.5 KiB", "5.0 GiB"]);
  });
});
