import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ReplicationSlotProvider, type ReplicationSlotInputs, type ReplicationSlotOutputs } from "../../providers/ReplicationSlot";
import { docker, stop } from "../support/docker";
import { query, startCluster, waitForPostgres, type Cluster } from "../support/postgresFixture";

// Every lifecycle step of ReplicationSlotProvider on a primary with one streaming standby
// (replica-1 through slot replica_1, made by the fixture with this provider).

let cluster: Cluster;
const provider = new ReplicationSlotProvider();

beforeAll(async () => {
  cluster = await startCluster({ image: inject("images").postgres, standbys: 1 });
});

afterAll(async () => {
  await cluster?.teardown();
});

function slotInputs(slotName: string, extra: Partial<ReplicationSlotInputs> = {}): ReplicationSlotInputs {
  return { ...cluster.admin, slotName, ...extra };
}

interface SlotRow {
  slot_type: string;
  active: boolean;
  restart_lsn: string | null;
  wal_status: string | null;
}

async function slotOn(conn: typeof cluster.admin, name: string): Promise<SlotRow | undefined> {
  return (await query<SlotRow>(conn, "SELECT slot_type, active, restart_lsn::text, wal_status FROM pg_replication_slots WHERE slot_name = $1", [name]))[0];
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, "expected a failure").toBeInstanceOf(Error);
  expect(error!.message).not.toContain(cluster.superuserPassword);
  return error!;
}

describe("ReplicationSlot lifecycle", () => {
  let outs: ReplicationSlotOutputs;

  it("creates a physical slot that reserves WAL at once", async () => {
    const result = await provider.create(slotInputs("spare_slot"));
    outs = result.outs!;
    expect(result.id).toBe("spare_slot");
    expect(outs).toMatchObject({ slotName: "spare_slot", adopted: false, active: false, walStatus: "reserved" });
    expect(outs.restartLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(outs.retainedBytes).toBeGreaterThanOrEqual(0);
    expect(await slotOn(cluster.admin, "spare_slot")).toMatchObject({ slot_type: "physical", active: false, wal_status: "reserved" });
  });

  it("adopts the slot when created again", async () => {
    const again = await provider.create(slotInputs("spare_slot"));
    expect(again.outs).toMatchObject({ adopted: true, restartLsn: outs.restartLsn });
  });

  it("reads activity and retained WAL, for an idle and for a streaming slot", async () => {
    const write = await cluster.psql(cluster.primary, "CREATE TABLE IF NOT EXISTS filler AS SELECT g FROM generate_series(1, 20000) g");
    expect(write.code, write.stderr).toBe(0);
    const idle = await provider.read("spare_slot", outs);
    expect(idle.props).toMatchObject({ active: false, walStatus: "reserved" });
    expect(idle.props!.retainedBytes).toBeGreaterThan(outs.retainedBytes ?? 0);

    const streamingSlot = await provider.create(slotInputs("replica_1"));
    expect(streamingSlot.outs).toMatchObject({ adopted: true });
    const streaming = await provider.read("replica_1", streamingSlot.outs!);
    expect(streaming.props).toMatchObject({ active: true, walStatus: "reserved" });
  });

  it("check rejects an invalid slot name, naming it", async () => {
    const result = await provider.check({}, slotInputs("Replica-2"));
    expect(result.failures).toHaveLength(1);
    expect(result.failures![0]).toMatchObject({ property: "slotName" });
    expect(result.failures![0].reason).toContain('"Replica-2"');
  });

  it("records a change of timeouts without touching the server", async () => {
    const dropped = await cluster.psql(cluster.primary, "SELECT pg_drop_replication_slot('spare_slot')");
    expect(dropped.code, dropped.stderr).toBe(0);
    const news = slotInputs("spare_slot", { deleteTimeoutSeconds: 5, statementTimeoutMs: 5000 });
    expect(await provider.diff("spare_slot", outs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await provider.update("spare_slot", outs, news);
    expect(updated.outs).toMatchObject({ deleteTimeoutSeconds: 5, restartLsn: outs.restartLsn, adopted: false });
    expect(await slotOn(cluster.admin, "spare_slot")).toBeUndefined();
  });

  it("reports a slot dropped by hand as gone on read, and deleting it is a no-op", async () => {
    expect((await provider.read("spare_slot", outs)).id).toBe("");
    await expect(provider.delete("spare_slot", outs)).resolves.toBeUndefined();
  });

  it("on a new endpoint ensures the slot there and leaves the old server alone", async () => {
    const created = await provider.create(slotInputs("moving_slot"));
    // The standby plays the primary's new home after a failover: physical slots work there too.
    const standby = cluster.adminOf(cluster.standbys[0]);
    const news = { ...standby, slotName: "moving_slot" };
    expect(await provider.diff("moving_slot", created.outs!, news)).toMatchObject({ changes: true, replaces: [] });
    const moved = await provider.update("moving_slot", created.outs!, news);
    expect(moved.outs).toMatchObject({ port: standby.port, adopted: false, walStatus: "reserved" });
    expect(moved.outs!.retainedBytes).not.toBeNull(); // measured from the last received LSN there
    expect(await slotOn(standby, "moving_slot")).toMatchObject({ slot_type: "physical" });
    expect(await slotOn(cluster.admin, "moving_slot")).toBeDefined();

    await provider.delete("moving_slot", moved.outs!);
    expect(await slotOn(standby, "moving_slot")).toBeUndefined();
    expect(await slotOn(cluster.admin, "moving_slot")).toBeDefined();
    await provider.delete("moving_slot", created.outs!);
    expect(await slotOn(cluster.admin, "moving_slot")).toBeUndefined();
  });

  it("replaces on a new slot name without deleting first", async () => {
    const diff = await provider.diff("replica_1", { ...slotInputs("replica_1"), active: true, restartLsn: null, walStatus: null, retainedBytes: null, adopted: true }, slotInputs("replica_1_new"));
    expect(diff).toEqual({ changes: true, replaces: ["slotName"], deleteBeforeReplace: false });
  });
});

describe("deleting a slot after the primary moved", () => {
  // The slot was made on a server that is now gone (a fenced old primary: nothing listens there).
  const gone = { name: "old-primary", host: "127.0.0.1", port: 1 };
  const members = () => [gone, { name: "primary", host: cluster.primary.host, port: cluster.primary.port }, { name: "replica-1", host: cluster.standbys[0].host, port: cluster.standbys[0].port }];
  const recorded = (slotName: string): ReplicationSlotOutputs => ({
    ...slotInputs(slotName),
    host: gone.host,
    port: gone.port,
    clusterMembers: members(),
    active: false,
    restartLsn: null,
    walStatus: null,
    retainedBytes: null,
    adopted: false,
  });

  it("drops it on the member that is the primary now, and a leftover copy on a standby", async () => {
    await provider.create(slotInputs("moved_away"));
    const onStandby = await cluster.psql(cluster.standbys[0], "SELECT pg_create_physical_replication_slot('moved_away')");
    expect(onStandby.code, onStandby.stderr).toBe(0);
    await provider.delete("moved_away", recorded("moved_away"));
    expect(await slotOn(cluster.admin, "moved_away")).toBeUndefined();
    expect(await slotOn(cluster.adminOf(cluster.standbys[0]), "moved_away")).toBeUndefined();
  });

  it("refuses, saying who answered what, when no member answers as the primary", async () => {
    await provider.create(slotInputs("orphan_slot"));
    const noPrimary = { ...recorded("orphan_slot"), clusterMembers: members().filter((m) => m.name !== "primary") };
    const error = await failure(provider.delete("orphan_slot", noPrimary));
    expect(error.message).toContain('Cannot drop replication slot "orphan_slot": no member of the cluster answers as the primary');
    expect(error.message).toContain("127.0.0.1:1 unreachable");
    expect(error.message).toContain(`${cluster.standbys[0].host}:${cluster.standbys[0].port} standby`);
    expect(await slotOn(cluster.admin, "orphan_slot")).toMatchObject({ slot_type: "physical" });
    await provider.delete("orphan_slot", { ...noPrimary, clusterMembers: members() });
    expect(await slotOn(cluster.admin, "orphan_slot")).toBeUndefined();
  });
});

describe("deleting a slot in use", () => {
  it("waits, then fails naming the slot, the walsender and its replica; succeeds once the replica is stopped", async () => {
    const outs = (await provider.create(slotInputs("replica_1", { deleteTimeoutSeconds: 2 }))).outs!;
    const started = Date.now();
    const error = await failure(provider.delete("replica_1", outs));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(6000);
    expect(error.message).toContain(`Cannot drop replication slot "replica_1" on 127.0.0.1:${cluster.primary.port}`);
    expect(error.message).toMatch(/walsender pid \d+ \(client \d+\.\d+\.\d+\.\d+, application_name "replica-1", state streaming\)/);
    expect(error.message).toContain("Stop that replica first");
    expect(await slotOn(cluster.admin, "replica_1")).toMatchObject({ active: true });

    await stop(cluster.standbys[0].container, 10);
    await provider.delete("replica_1", { ...outs, deleteTimeoutSeconds: 30 });
    expect(await slotOn(cluster.admin, "replica_1")).toBeUndefined();
  });
});

describe("a logical slot of the same name", () => {
  it("is neither adopted nor dropped", async () => {
    const set = await cluster.psql(cluster.primary, "ALTER SYSTEM SET wal_level = logical");
    expect(set.code, set.stderr).toBe(0);
    await docker(["restart", "-t", "10", cluster.primary.container]);
    await waitForPostgres(cluster.admin, { inRecovery: false });
    const made = await cluster.psql(cluster.primary, "SELECT pg_create_logical_replication_slot('decoder', 'pgoutput')");
    expect(made.code, made.stderr).toBe(0);

    const error = await failure(provider.create(slotInputs("decoder")));
    expect(error.message).toContain('ReplicationSlot "decoder"');
    expect(error.message).toContain("a logical slot named \"decoder\" already exists");

    const refused = await failure(
      provider.delete("decoder", { ...slotInputs("decoder"), active: false, restartLsn: null, walStatus: null, retainedBytes: null, adopted: false }),
    );
    expect(refused.message).toContain("not dropping it");
    expect(await slotOn(cluster.admin, "decoder")).toMatchObject({ slot_type: "logical" });
  });
});
