import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { docker, dockerRaw, inspect, logs, start } from "../support/docker";
import { expectTokenVisible, memberConnection, outputsOf, superuserConnection, writeToken, type ClusterOutputs } from "./support/cluster";
import { REPO_ROOT } from "./support/buildHarness";
import { E2EStack } from "./support/e2eStack";
import { fromUrl, query, withClient } from "./support/pg";
import { pollUntil } from "./support/poll";

// Scenario 5 on the production shape (two replicas, one synchronous): the primary crashes under
// writes, `npm run failover` promotes a replica, PgBouncer and the other replica follow, no
// acknowledged write is lost, a deploy from the stale config is refused, the old primary comes
// back as a replica, and the next deploy converges on the new topology.

const dir = mkdtempSync(path.join(tmpdir(), "pgstack-e2e-failover-"));
// The stack's own config file, as in a checkout: the failover command records the new primary in it.
const stackFile = path.join(dir, "Pulumi.e2e-failover.yaml");
copyFileSync(path.join(REPO_ROOT, "Pulumi.production.yaml"), stackFile);
const ports = { primary: 28432, replicaBase: 28433, pgbouncer: 28532 };
// Exporters (pgstack:monitoring) are covered by metrics.test.ts and status.test.ts.
const stack = new E2EStack({ stack: "e2e-failover", configFrom: stackFile, config: { images: inject("images"), protectData: false, ports, monitoring: { enabled: false } } });

let outputs: ClusterOutputs;
let acknowledged: string[] = [];
let newPrimary = "";
let survivor = "";
const endpointOf = (member: string) => `127.0.0.1:${member === "primary" ? ports.primary : ports.replicaBase + Number(member.split("-")[1]) - 1}`;
const asSuperuser = (member: string) => superuserConnection(stack, outputs, endpointOf(member));

function runFailover(args: string[]): { code: number | null; output: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "failover.js"), ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 240_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}`, ms: Date.now() - started };
}

beforeAll(async () => {
  outputs = outputsOf(await stack.up());
  await query(fromUrl(outputs.writeUrl), "CREATE TABLE acked (id bigserial PRIMARY KEY, token text NOT NULL)");
});
afterAll(async () => {
  await stack.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("primary failure", () => {
  it("loses no acknowledged write when the primary crashes under synchronous writes and a replica is promoted", async () => {
    // Writers commit through PgBouncer; a commit returns only once a synchronous replica has the WAL.
    const app = fromUrl(outputs.writeUrl);
    let crashed = false;
    const writer = async (n: number) =>
      withClient(app, async (c) => {
        for (let i = 0; !crashed || i < 0; i++) {
          const token = `w${n}-${i}`;
          try {
            await c.query("INSERT INTO acked (token) VALUES ($1)", [token]);
            acknowledged.push(token);
          } catch {
            return;
          }
        }
      }).catch(() => undefined);
    const writers = [1, 2, 3, 4].map(writer);
    await pollUntil("writes flowing", async () => (acknowledged.length > 200 ? true : undefined), 30_000, 50);
    // A crash, not a clean shutdown: SIGKILL, and Docker does not restart a killed container.
    await docker(["kill", stack.container("primary")]);
    crashed = true;
    await Promise.all(writers);
    acknowledged = [...acknowledged];
    expect(acknowledged.length).toBeGreaterThan(200);

    const failover = runFailover(["--stack", "e2e-failover", "--config-file", stackFile]);
    expect(failover.code, failover.output).toBe(0);
    console.log(`failover took ${(failover.ms / 1000).toFixed(1)} s\n${failover.output}`);
    newPrimary = /promoting (replica-\d)/.exec(failover.output)?.[1] ?? "";
    expect(newPrimary).toMatch(/^replica-[12]$/);
    survivor = newPrimary === "replica-1" ? "replica-2" : "replica-1";

    const [state] = await query<{ standby: boolean }>(asSuperuser(newPrimary), "SELECT pg_is_in_recovery() AS standby");
    expect(state.standby).toBe(false);
    const present = new Set((await query<{ token: string }>(asSuperuser(newPrimary), "SELECT token FROM acked")).map((r) => r.token));
    const missing = acknowledged.filter((t) => !present.has(t));
    expect(missing, `${missing.length} of ${acknowledged.length} acknowledged writes missing`).toEqual([]);
  });

  it("fences the old primary, records the new primary in the stack config, and repoints PgBouncer and the other replica", async () => {
    const old = await inspect<{ State: { Running: boolean }; HostConfig: { RestartPolicy: { Name: string } } }>(stack.container("primary"));
    expect(old.State.Running).toBe(false);
    expect(old.HostConfig.RestartPolicy.Name).toBe("no");
    expect(readFileSync(stackFile, "utf8")).toMatch(new RegExp(`^  pgstack:primaryMember: ${newPrimary}$`, "m"));

    // Writes resume through PgBouncer and reach the surviving replica, which streams from the new primary.
    const token = await writeToken(outputs, "acked_after");
    await expectTokenVisible(asSuperuser(newPrimary), token, newPrimary, 10_000, "acked_after");
    await expectTokenVisible(memberConnection(outputs, endpointOf(survivor)), token, survivor, 20_000, "acked_after");
    await expectTokenVisible(fromUrl(outputs.readUrl), token, "app_ro", 20_000, "acked_after");
    const replication = await query<{ application_name: string; state: string }>(asSuperuser(newPrimary), "SELECT application_name, state FROM pg_stat_replication");
    expect(replication).toEqual([{ application_name: survivor, state: "streaming" }]);
  });

  it("refuses a deploy from the stale config before touching anything", async () => {
    const before = await inspect<{ Id: string }>(stack.container(newPrimary));
    const run = await stack.tryUp({ primaryMember: "primary" });
    expect(run.exitCode).toBe(1);
    expect(run.result?.error?.message).toMatch(new RegExp(`pgstack:primaryMember is primary, but ${newPrimary} is the running primary`));
    expect(run.result?.error?.message).toContain(`pulumi config set primaryMember ${newPrimary}`);
    expect((await inspect<{ Id: string }>(stack.container(newPrimary))).Id).toBe(before.Id);
    const [state] = await query<{ standby: boolean }>(asSuperuser(newPrimary), "SELECT pg_is_in_recovery() AS standby");
    expect(state.standby).toBe(false);
  });

  it("brings the old primary back as a replica (pg_rewind), never as a second primary", async () => {
    await start(stack.container("primary"));
    await pollUntil(
      "old primary rejoined",
      async () => ((await logs(stack.container("primary"), 200)).includes(`REJOINED as a replica of ${newPrimary} via pg_rewind`) ? true : undefined),
      120_000,
      1000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\n--- old primary's log ---\n${await logs(stack.container("primary"), 60)}`);
    });
    const [state] = await pollUntil(
      "old primary accepting read-only connections",
      async () => query<{ standby: boolean }>(asSuperuser("primary"), "SELECT pg_is_in_recovery() AS standby"),
      60_000,
      500,
    );
    expect(state.standby).toBe(true);
    await expect(query(asSuperuser("primary"), "INSERT INTO acked (token) VALUES ('split-brain')")).rejects.toThrow(/read-only transaction/);
    const token = await writeToken(outputs, "acked_after");
    await expectTokenVisible(asSuperuser("primary"), token, "old primary", 30_000, "acked_after");
  });

  it("converges on the new topology at the next deploy without undoing the promotion", async () => {
    const before = await query<{ n: string }>(asSuperuser(newPrimary), "SELECT count(*)::text AS n FROM acked");
    const result = await stack.up();
    // Nothing is restarted or re-created: the live settings, endpoints and slots follow the new primary.
    const steps = result.steps.filter((s) => s.op !== "same");
    expect(steps.filter((s) => s.op !== "update").map((s) => `${s.op} ${s.name}`).sort()).toEqual(["create primary-slot", `delete ${newPrimary}-slot`]);
    expect(steps.filter((s) => s.type === "docker:index/container:Container")).toEqual([]);
    const converged = outputsOf(result);
    expect(converged.primaryEndpoint).toBe(endpointOf(newPrimary));
    expect([...converged.replicaEndpoints].sort()).toEqual([endpointOf("primary"), endpointOf(survivor)].sort());
    expect(converged.streaming.map((r) => [r.name, r.state, r.markerReplayed]).sort()).toEqual(
      [["primary", "streaming", true], [survivor, "streaming", true]].sort(),
    );
    const [state] = await query<{ standby: boolean }>(asSuperuser(newPrimary), "SELECT pg_is_in_recovery() AS standby");
    expect(state.standby).toBe(false);
    expect(await query<{ n: string }>(asSuperuser(newPrimary), "SELECT count(*)::text AS n FROM acked")).toEqual(before);
    const slots = await query<{ slot_name: string }>(asSuperuser(newPrimary), "SELECT slot_name FROM pg_replication_slots ORDER BY 1");
    expect(slots.map((s) => s.slot_name)).toEqual(["primary", survivor.replace("-", "_")].sort());
    const token = await writeToken(converged, "acked_after");
    await expectTokenVisible(fromUrl(converged.readUrl), token, "app_ro", 20_000, "acked_after");
    // Backups found the new primary by themselves: a base backup now comes from its timeline.
    const base = await dockerRaw(["exec", stack.container("backup"), "sh", "/pgstack/bin/backup-base.sh"], { timeoutMs: 180_000 });
    expect(base.code, `${base.stdout}${base.stderr}`).toBe(0);
    expect(await docker(["exec", stack.container("backup"), "cat", "/var/lib/pgstack/backups/status/last-base"])).toContain("status=ok");
    // And then there is nothing left to change.
    expect((await stack.changes()).map((s) => `${s.op} ${s.name}`)).toEqual([]);
  });
});
