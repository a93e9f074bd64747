import * as net from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { outputsOf } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import type { DeployRun } from "./support/engines";
import { leftovers } from "./support/leftovers";
import { fromUrl, query } from "./support/pg";

// Deploys that must fail: a missing image, a taken port, a primary that never becomes healthy.
// Each fails within a bound, naming the resource and the cause; the state still lists everything
// it made, so a deploy with the input fixed succeeds on the same state and a destroy leaves nothing.

const images = inject("images");
// Host ports below Linux's ephemeral range (32768+): no free-port pick of another suite takes them.
const ports = { primary: 18432, replicaBase: 18433, pgbouncer: 18532 };
let stack: E2EStack | undefined;

function newStack(name: string): E2EStack {
  stack = new E2EStack({ stack: name, configFrom: "staging", config: { images, ports } });
  return stack;
}

afterEach(async () => {
  await stack?.cleanup();
  stack = undefined;
});

/** The run failed at `resource`, within `withinMs`, with a message matching every one of `causes`. */
function expectFailure(run: DeployRun, resource: string, causes: RegExp | RegExp[], withinMs: number): void {
  expect(run.result?.ok, run.stderr).toBe(false);
  expect(run.exitCode).toBe(1);
  expect(run.result?.error?.resource?.name).toBe(resource);
  for (const cause of [causes].flat()) expect(run.result?.error?.message).toMatch(cause);
  expect(run.durationMs).toBeLessThan(withinMs);
}

const literally = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));

/** Fixed input, same state: the deploy succeeds and the cluster serves; then a destroy leaves nothing. */
async function expectRecovery(s: E2EStack): Promise<void> {
  const fixed = await s.up();
  expect(outputsOf(fixed).streaming.map((r) => r.state)).toEqual(["streaming"]);
  expect(await query(fromUrl(outputsOf(fixed).writeUrl), "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  await s.destroy();
  expect(await leftovers(s.stack)).toEqual({ containers: [], volumes: [], networks: [] });
}

describe("a deploy that cannot succeed", () => {
  it("stops at a missing image, naming it", async () => {
    const s = newStack("e2e-bad-image");
    // On a registry at a loopback port nothing listens on: the real provider's pull fails at once
    // and sends nothing off this machine (the harness never pulls at all).
    const missing = "127.0.0.1:1/pgstack-missing/postgres:17";
    const run = await s.tryUp({ images: { ...images, postgres: missing } });
    const cause = s.engine === "pulumi" ? /unable to pull image/ : /is not on this Docker host, and the e2e harness never pulls/;
    expectFailure(run, "postgres-image", [literally(missing), cause], 60_000);
    expect((await leftovers(s.stack)).containers).toEqual([]);
    await expectRecovery(s);
  });

  it("stops at a host port that is taken, naming the container and the port", async () => {
    const s = newStack("e2e-bad-port");
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => squatter.once("error", reject).listen(ports.pgbouncer, "127.0.0.1", resolve));
    let run: DeployRun;
    try {
      run = await s.tryUp();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    expectFailure(run, "pgbouncer", new RegExp(`e2e-bad-port-pgbouncer[\\s\\S]*127\\.0\\.0\\.1:${ports.pgbouncer}[\\s\\S]*address already in use`), 60_000);
    // The half-made container is in the state, so the next deploy replaces it instead of tripping over its name.
    const failed = (await s.resources()).find((e) => e.type === "docker:index/container:Container" && e.name === "pgbouncer");
    expect(failed?.status).toBe("failed");
    await expectRecovery(s);
  });

  it("stops at a primary that never becomes healthy, with its last log lines, well before its wait timeout", async () => {
    const s = newStack("e2e-bad-primary");
    // Passes pgstack's validation; PostgreSQL refuses to start with it.
    const run = await s.tryUp({ postgresql: { shared_buffers: "100TB" } });
    // Its ContainerHealth gives up as soon as the container exits, and says why.
    expectFailure(run, "primary-healthy", /container e2e-bad-primary-primary: exited [\s\S]*before becoming healthy[\s\S]*invalid value for parameter "shared_buffers"/, 30_000);
    // Nothing that needs a running primary was attempted.
    const onPrimary = /PostgresRole|ReplicationSlot|PostgresDatabase|StreamingCheck/;
    expect(run.result?.steps.filter((st) => onPrimary.test(st.type))).toEqual([]);
    await expectRecovery(s);
  });
});
