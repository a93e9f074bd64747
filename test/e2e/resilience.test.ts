import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dockerRaw, start, stop } from "../support/docker";
import { containerIdentities, expectTokenVisible, memberConnection, outputsOf, superuserConnection, writeToken, type ClusterOutputs } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { partsOf } from "./support/freshDeploy";
import { leftovers } from "./support/leftovers";
import { fromUrl, query, withClient } from "./support/pg";
import { pollUntil } from "./support/poll";

// Scenarios 4 and 6 on the production shape without protection (two replicas, one synchronous),
// one deployment: a replica stopped under writes, the whole host "rebooted", then scaled 2 → 1.

// Host ports below Linux's ephemeral range (32768+): no free-port pick of another suite takes them.
const stack = new E2EStack({
  stack: "e2e-resilience",
  configFrom: "production",
  // Exporters (pgstack:monitoring) are covered by metrics.test.ts; this file counts containers exactly.
  config: { images: inject("images"), protectData: false, ports: { primary: 27432, replicaBase: 27433, pgbouncer: 27532 }, monitoring: { enabled: false } },
});
let outputs: ClusterOutputs;
let superuser: ReturnType<typeof fromUrl>;

/** Count and an md5 of every token, in order: equal on two members means no row is missing. */
async function ticks(config: ReturnType<typeof fromUrl>): Promise<string> {
  const [row] = await query<{ n: string; md5: string }>(config, "SELECT count(*)::text AS n, md5(coalesce(string_agg(token, ',' ORDER BY id), '')) AS md5 FROM ticks");
  return `${row.n} rows, md5 ${row.md5}`;
}

beforeAll(async () => {
  const deployed = await stack.up();
  outputs = outputsOf(deployed);
  superuser = superuserConnection(stack, outputs);
  await query(fromUrl(outputs.writeUrl), "CREATE TABLE ticks (id bigserial PRIMARY KEY, token text NOT NULL)");
});
afterAll(async () => {
  await stack.cleanup();
});

describe("resilience", () => {
  it("catches a stopped replica up from its slot, with no row missing", async () => {
    const app = fromUrl(outputs.writeUrl);
    const replica2 = memberConnection(outputs, outputs.replicaEndpoints[1]);
    await stop(stack.container("replica-2"), 60);
    const [stopped] = await query<{ lsn: string }>(superuser, "SELECT restart_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'replica_2'");

    // Writes go on (replica-1 confirms commits), across more WAL segments than wal_keep_size keeps.
    await withClient(app, async (c) => {
      for (let i = 0; i < 200; i++) await c.query("INSERT INTO ticks (token) VALUES (md5(random()::text))");
    });
    await withClient(superuser, async (c) => {
      for (let i = 0; i < 10; i++) {
        // Each segment switch needs some WAL since the last one.
        await c.query("INSERT INTO ticks (token) SELECT md5(g::text) FROM generate_series(1, 100) g");
        await c.query("SELECT pg_switch_wal()");
      }
      await c.query("CHECKPOINT");
    });
    // The slot did not move, and the WAL segment it points at is still in pg_wal although it is
    // further behind than wal_keep_size keeps: the slot is what keeps it.
    const [slot] = await query<{ active: boolean; restart_lsn: string; beyond_keep: boolean; kept: boolean }>(
      superuser,
      `SELECT active, restart_lsn::text,
              pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) > pg_size_bytes(current_setting('wal_keep_size')) AS beyond_keep,
              EXISTS (SELECT 1 FROM pg_ls_waldir() WHERE name = pg_walfile_name(restart_lsn)) AS kept
         FROM pg_replication_slots WHERE slot_name = 'replica_2'`,
    );
    expect(slot).toEqual({ active: false, restart_lsn: stopped.lsn, beyond_keep: true, kept: true });

    await start(stack.container("replica-2"));
    const expected = await ticks(superuser);
    await pollUntil("replica-2 caught up", async () => ((await ticks(replica2)) === expected ? true : undefined), 60_000, 500);
    const [streaming] = await query<{ state: string; slot: string }>(
      superuser,
      "SELECT r.state, s.slot_name AS slot FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE r.application_name = 'replica-2'",
    );
    expect(streaming).toEqual({ state: "streaming", slot: "replica_2" });
  });

  it("comes back after every container was stopped and started, as after a host reboot, and passes the streaming check again", async () => {
    const parts = partsOf(2);
    const before = await ticks(superuser);
    const names = parts.map((p) => stack.container(p));
    const stopped = await dockerRaw(["stop", ...names], { timeoutMs: 120_000 });
    expect(stopped.code, stopped.stderr).toBe(0);
    const started = await dockerRaw(["start", ...names]);
    expect(started.code, started.stderr).toBe(0);

    await pollUntil(
      "every container healthy again",
      async () => (Object.values(await containerIdentities(stack, parts)).every((c) => c.health === "healthy") ? true : undefined),
      90_000,
      500,
    );
    expect(await ticks(superuser)).toBe(before);
    const token = await writeToken(outputs);
    for (const endpoint of outputs.replicaEndpoints) await expectTokenVisible(memberConnection(outputs, endpoint), token, `replica ${endpoint}`, 30_000);
    await expectTokenVisible(fromUrl(outputs.readUrl), token, "PgBouncer's read-only database", 30_000);

    // Re-run the post-deploy verification on the unchanged cluster: the streaming check (and the
    // backup catalog, which the trigger also refreshes); nothing else may change.
    stack.configure({ verifyTrigger: "after-reboot" });
    const third = await stack.up();
    expect(third.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`).sort()).toEqual(["update backup-catalog", "update streaming-check"]);
    expect(outputsOf(third).streaming.map((r) => [r.name, r.state, r.markerReplayed])).toEqual([
      ["replica-1", "streaming", true],
      ["replica-2", "streaming", true],
    ]);
  });

  it("scales from two replicas to one: the removed replica's container, slot, volume and certificate go", async () => {
    const result = await stack.up({ replicas: 1 });
    const changes = result.steps.filter((s) => s.op !== "same");
    const tls = ["replica-2-tls-key", "replica-2-tls-request", "replica-2-tls-cert", "replica-2-tls-files"];
    expect(changes.filter((s) => s.op === "delete").map((s) => s.name).sort()).toEqual(
      ["replica-2", "replica-2-data", "replica-2-healthy", "replica-2-live-settings", "replica-2-slot", ...tls].sort(),
    );
    // Only the backup container restarts (its list of members to find the primary among changed);
    // no PostgreSQL member does.
    expect(changes.filter((s) => s.op === "create" || s.op === "replace").map((s) => `${s.op} ${s.name}`)).toEqual(["replace backup"]);

    const slots = await query<{ slot_name: string }>(superuser, "SELECT slot_name FROM pg_replication_slots ORDER BY 1");
    expect(slots.map((s) => s.slot_name)).toEqual(["replica_1"]);
    const left = await leftovers(stack.stack);
    expect(left.containers).toEqual(["backup", "pgbouncer", "primary", "replica-1"].map((p) => stack.container(p)));
    expect(left.volumes).not.toContain(`${stack.stack}-replica-2-data`);
    expect(outputsOf(result).streaming.map((r) => [r.name, r.state])).toEqual([["replica-1", "streaming"]]);
  });
});
