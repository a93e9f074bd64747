import { describe, expect, it } from "vitest";
import {
  parseArchiverRow,
  parseContainerList,
  parseKeyValues,
  parseManifest,
  parseMemberRow,
  parsePools,
  parseReplicationRows,
  parseSlotRows,
  parseStats,
  singleFileFromTar,
} from "../../../scripts/lib/status/queries";
import { manifest } from "./fixtures";

// The parsers, on text shaped like what psql -At and PgBouncer's console print (rows taken from
// a running stack).

/** A minimal ustar stream: optional PAX header entry, then one file. */
function tar(content: string, withPax = false): Buffer {
  const entry = (name: string, type: string, data: Buffer) => {
    const header = Buffer.alloc(512);
    header.write(name, 0, "latin1");
    header.write(data.length.toString(8).padStart(11, "0"), 124, "latin1");
    header.write(type, 156, "latin1");
    header.write("ustar\0", 257, "latin1");
    const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
    data.copy(padded);
    return Buffer.concat([header, padded]);
  };
  const parts = [];
  if (withPax) parts.push(entry("PaxHeaders/pgstack.fence", "x", Buffer.from("30 mtime=1764000000.123456789\n")));
  parts.push(entry("pgstack.fence", "0", Buffer.from(content)), Buffer.alloc(1024));
  return Buffer.concat(parts);
}

describe("status parsers", () => {
  it("read a primary's and a replica's member row", () => {
    expect(parseMemberRow(["f", "1", "0/9000148", "", "", "", "7261.5", "", "", ""])).toEqual({
      inRecovery: false,
      timeline: 1,
      lsn: "0/9000148",
      receiveLsn: undefined,
      lagSeconds: undefined,
      receivedNotReplayedBytes: undefined,
      uptimeSeconds: 7261.5,
      pendingRestart: [],
      receiverStatus: undefined,
      upstream: undefined,
    });
    const replica = parseMemberRow([
      "t", "2", "0/9000100", "0/9000148", "1.25", "72", "30", "max_connections,shared_buffers", "streaming",
      "host=replica-1 port=5432 user=replicator passfile=/pgstack/run/pgpass application_name=replica-2 connect_timeout=5",
    ]);
    expect(replica).toMatchObject({ inRecovery: true, timeline: 2, lagSeconds: 1.25, receivedNotReplayedBytes: 72, pendingRestart: ["max_connections", "shared_buffers"], receiverStatus: "streaming", upstream: "replica-1" });
  });

  it("read walsenders, slots and the archiver", () => {
    expect(parseReplicationRows([["replica-1", "172.18.0.3", "streaming", "quorum", "0", ""]])).toEqual([
      { applicationName: "replica-1", clientAddr: "172.18.0.3", state: "streaming", syncState: "quorum", lagBytes: 0, replayLagSeconds: undefined },
    ]);
    expect(parseSlotRows([["replica_1", "t", "replica-1", "172.18.0.3", "16384", "reserved", "4294950912", "4294967296"], ["replica_2", "f", "", "", "", "lost", "", "4294967296"]])).toEqual([
      { name: "replica_1", active: true, client: "replica-1 (172.18.0.3)", retainedBytes: 16384, walStatus: "reserved", safeWalSizeBytes: 4294950912, limitBytes: 4294967296 },
      { name: "replica_2", active: false, client: undefined, retainedBytes: undefined, walStatus: "lost", safeWalSizeBytes: undefined, limitBytes: 4294967296 },
    ]);
    expect(parseArchiverRow(["9", "000000010000000000000006", "1796165275.5", "0", "", ""])).toEqual({
      archivedCount: 9,
      lastArchivedWal: "000000010000000000000006",
      lastArchivedAt: "2026-12-01T22:47:55.500Z",
      failedCount: 0,
      lastFailedWal: undefined,
      lastFailedAt: undefined,
    });
  });

  it("read SHOW POOLS and SHOW STATS by column name, without the console's own pool", () => {
    const pools = parsePools([
      { database: "app", user: "app", cl_active: "3", cl_waiting: "2", cl_active_cancel_req: "0", sv_active: "1", sv_idle: "4", sv_used: "0", maxwait: "1", maxwait_us: "250000", pool_mode: "transaction" },
      { database: "pgbouncer", user: "pgbouncer", cl_active: "1", cl_waiting: "0", sv_active: "0", sv_idle: "0", maxwait: "0", maxwait_us: "0", pool_mode: "statement" },
    ]);
    expect(pools).toEqual([{ database: "app", user: "app", clActive: 3, clWaiting: 2, svActive: 1, svIdle: 4, maxwaitSeconds: 1.25, poolMode: "transaction" }]);
    expect(parseStats([{ database: "app", total_xact_count: "10", total_query_count: "12", avg_query_time: "430", avg_wait_time: "9950" }])).toEqual([
      { database: "app", totalQueries: 12, totalTransactions: 10, avgQueryMicros: 430, avgWaitMicros: 9950 },
    ]);
  });

  it("read the manifest and refuse one that is not", () => {
    expect(parseManifest(JSON.stringify(manifest())).baseBackups).toHaveLength(1);
    expect(() => parseManifest("{oops")).toThrow(/not valid JSON: \{oops/);
    expect(() => parseManifest("{}")).toThrow(/no dumps or baseBackups/);
  });

  it("read the fence marker out of docker cp's tar stream, PAX headers or not", () => {
    const text = "new_primary=replica-1\nfenced_at=2026-12-02T11:58:00Z\nreason=failover to replica-1\n";
    for (const pax of [false, true]) {
      expect(parseKeyValues(singleFileFromTar(tar(text, pax)))).toEqual({ new_primary: "replica-1", fenced_at: "2026-12-02T11:58:00Z", reason: "failover to replica-1" });
    }
    expect(() => singleFileFromTar(Buffer.alloc(1024))).toThrow(/no regular file/);
  });

  it("read docker ps lines", () => {
    expect(parseContainerList("prod-primary\tprimary\trunning\nprod-replica-1\treplica-1\texited\n", "ssh://db1")).toEqual([
      { name: "prod-primary", part: "primary", state: "running", host: "ssh://db1" },
      { name: "prod-replica-1", part: "replica-1", state: "exited", host: "ssh://db1" },
    ]);
  });
});
