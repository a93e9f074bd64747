import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  FLOOR_NETWORK,
  FLOOR_PG_HBA,
  FLOOR_PORT,
  FLOOR_POSTGRESQL_CONF,
  FLOOR_PRIMARY,
  FLOOR_REPLICAS,
  SLOTS_SQL,
  networkArgs,
  primaryRunArgs,
  primaryScript,
  replicaRunArgs,
  replicaScript,
  streamingSlots,
} from "../../../bench/floorPlan";
import { PORTS } from "../../../bench/stacks";

const IMAGE = "pgstack-local/postgres:17-abc";

describe("the floor's plan", () => {
  it("names everything bench-floor-* and publishes one port of the bench's own range that no bench stack uses", () => {
    for (const name of [FLOOR_NETWORK, FLOOR_PRIMARY, ...FLOOR_REPLICAS]) expect(name).toMatch(/^bench-floor-/);
    expect(FLOOR_PORT).toBeGreaterThanOrEqual(29432);
    expect(FLOOR_PORT).toBeLessThanOrEqual(29560);
    const taken = Object.values(PORTS).flatMap((p) => [p.primary, p.pgbouncer, p.replicaBase, p.replicaBase + 1]);
    expect(taken).not.toContain(FLOOR_PORT);
    expect(networkArgs()).toEqual(["network", "create", "--label", "pgstack.bench=floor", FLOOR_NETWORK]);
  });

  it("runs the primary with the stack's image, on the floor's network as `primary`, published on loopback only, as postgres", () => {
    const args = primaryRunArgs(IMAGE);
    expect(args.slice(0, 4)).toEqual(["run", "-d", "--name", FLOOR_PRIMARY]);
    expect(args.join(" ")).toContain(`--network ${FLOOR_NETWORK} --network-alias primary --user postgres -p 127.0.0.1:${FLOOR_PORT}:5432 ${IMAGE} sh -c`);
    expect(args[args.length - 1]).toBe(primaryScript());
  });

  it("initdb's with data checksums, listens for replication on the network, then execs PostgreSQL", () => {
    const script = primaryScript();
    expect(script).toMatch(/^set -e\ninitdb -D \S+ -U postgres --auth=trust --data-checksums/);
    expect(script).toContain(FLOOR_POSTGRESQL_CONF.trim());
    expect(script).toContain(FLOOR_PG_HBA.trim());
    expect(FLOOR_POSTGRESQL_CONF).toContain("listen_addresses = '*'");
    expect(FLOOR_PG_HBA).toContain("host replication all 0.0.0.0/0 trust");
    expect(script.split("\n").pop()).toMatch(/^exec postgres -D /);
  });

  it("clones each replica through its own slot with -R -X stream -c fast, then starts it", () => {
    expect(replicaScript(2)).toContain("pg_basebackup -h primary -U postgres -D /var/lib/postgresql/floor -R -S floor_replica_2 -X stream -c fast\nexec postgres");
    const args = replicaRunArgs(IMAGE, 1);
    expect(args).toContain(FLOOR_REPLICAS[0]);
    expect(args).not.toContain("-p");
  });

  it("creates slots that reserve WAL at once (two clones at a time need it)", () => {
    expect(SLOTS_SQL).toBe("select pg_create_physical_replication_slot('floor_replica_1', true); select pg_create_physical_replication_slot('floor_replica_2', true)");
  });

  it("writes both files exactly and goes on to start PostgreSQL (each here-document closed)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pgstack-floor-"));
    try {
      // The script as it is, with initdb and PostgreSQL stood in for: what the shell itself does.
      const script = primaryScript()
        .replaceAll("/var/lib/postgresql/floor", dir)
        .replace(/^initdb .*$/m, `mkdir -p ${dir}`)
        .replace(/^exec postgres .*$/m, "echo started");
      expect(execFileSync("sh", ["-c", script], { encoding: "utf8", timeout: 60_000 })).toBe("started\n");
      expect(readFileSync(path.join(dir, "postgresql.conf"), "utf8")).toBe(FLOOR_POSTGRESQL_CONF);
      expect(readFileSync(path.join(dir, "pg_hba.conf"), "utf8")).toBe(FLOOR_PG_HBA);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads which slots stream from the primary's view", () => {
    expect(streamingSlots([{ slot_name: "floor_replica_2", state: "streaming" }, { slot_name: "floor_replica_1", state: "catchup" }, { slot_name: "floor_replica_3", state: null }])).toEqual(["floor_replica_2"]);
  });
});
