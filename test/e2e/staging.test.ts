import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { HarnessResult } from "./harness/result";
import { outputsOf } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { expectFreshCluster, expectUnchangedRedeploy, expectWritesReachEveryReplica } from "./support/freshDeploy";
import { leftovers } from "./support/leftovers";
import { fromUrl, query, withClient } from "./support/pg";

// Scenarios 1, 2 and 7 on the staging shape (Pulumi.staging.yaml: one asynchronous replica),
// sharing one deployment.

const stack = new E2EStack({ stack: "e2e-staging", configFrom: "staging", config: { images: inject("images") } });
let first: HarnessResult;

beforeAll(async () => {
  first = await stack.up();
});
afterAll(async () => {
  await stack.cleanup();
});

describe("staging shape: a fresh deploy", () => {
  it("starts every container healthy and proves the replica streams", async () => {
    await expectFreshCluster(stack, first, 1);
  });

  it("serves a row written through PgBouncer from the replica's endpoint and from <database>_ro", async () => {
    await expectWritesReachEveryReplica(first);
  });

  it("changes nothing when deployed again unchanged", async () => {
    await expectUnchangedRedeploy(stack, first, 1);
  });
});

describe("staging shape: PgBouncer", () => {
  it("serves 500 concurrent clients through a transaction-mode pool of 20 server connections", async () => {
    const write = fromUrl(outputsOf(first).writeUrl);
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        withClient({ ...write, connectionTimeoutMillis: 30_000 }, async (c) => {
          const { rows } = await c.query("SELECT pg_backend_pid() AS pid, $1::int AS i, pg_sleep(0.01)", [i]);
          return rows[0] as { pid: number; i: number };
        }),
      ),
    );
    expect(results.map((r) => r.i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const serverConnections = new Set(results.map((r) => r.pid));
    expect(serverConnections.size).toBeGreaterThan(1);
    expect(serverConnections.size).toBeLessThanOrEqual(20);
  });

  it("lets the stats user SHOW POOLS on the admin console, but not administer", async () => {
    const admin = { ...fromUrl(outputsOf(first).writeUrl), user: "pgstack_stats", password: stack.password("stats"), database: "pgbouncer" };
    const pools = await query<{ database: string; user: string; pool_mode: string }>(admin, "SHOW POOLS");
    expect(pools.find((p) => p.database === "app" && p.user === "app")?.pool_mode).toBe("transaction");
    await expect(query(admin, "RELOAD")).rejects.toThrow(/admin access needed/);
  });

  it("refuses a wrong password and an unknown user", async () => {
    const write = fromUrl(outputsOf(first).writeUrl);
    // PgBouncer checks SCRAM itself against its userlist; both end in the same refusal.
    await expect(query({ ...write, password: `${write.password}x` }, "SELECT 1")).rejects.toThrow(/SASL authentication failed/);
    await expect(query({ ...write, user: "nobody_here" }, "SELECT 1")).rejects.toThrow(/SASL authentication failed/);
    // And the right credentials still work, so the refusals are about the credentials.
    expect(await query(write, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  });
});

describe("staging shape: tear-down", () => {
  it("leaves nothing the stack created after a destroy", async () => {
    const result = await stack.destroy();
    expect(result.protectedLeft).toEqual([]);
    expect(result.steps.filter((s) => s.op !== "delete")).toEqual([]);
    expect(await leftovers(stack.stack)).toEqual({ containers: [], volumes: [], networks: [] });
    expect(await stack.resources()).toEqual([]);
  });
});
