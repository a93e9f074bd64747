import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { HarnessResult } from "./harness/result";
import { outputsOf, superuserConnection, writeToken, expectTokenVisible, memberConnection } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { fromUrl, query } from "./support/pg";
import { pollUntil } from "./support/poll";
import { leftoversOn, removeLeftoversOn, testHostsRelease, testHostsUp, type TestHost } from "./support/testHosts";
import * as yaml from "js-yaml";
import { dockerRaw } from "../support/docker";
import { ensureHarnessBuilt, REPO_ROOT } from "./support/buildHarness";
import { testHost } from "./support/testHosts";

// Issue 11: the production shape over three Docker hosts (primary on h1, replicas on h2 and h3,
// PgBouncer on h1, backups on h3), each host a dockerd of its own that scripts/test-hosts.sh makes
// on this machine. Scenario 1 (fresh deploy, streaming across hosts, an unchanged redeploy),
// scenario 5 (a replica added on h2 and removed again, its slot dropped), then h1 lost: `npm run failover` refuses to promote without --force, then promotes a replica on
// another host with no acknowledged write lost. Stacks e2e-mh*, host ports 41432-41599 on the
// test hosts' addresses.

const images = inject("images");
const workDir = mkdtempSync(path.join(tmpdir(), "pgstack-e2e-mh-"));
// Storage every host mounts at the same path (the test hosts share this machine's filesystem),
// as README's multi-host section asks of backup.hostPath.
const storage = path.join(workDir, "backups");
mkdirSync(storage);
// The stack's own config file, as in a checkout: the failover reads the hosts from it and records the new primary.
const stackFile = path.join(workDir, "Pulumi.e2e-mh1.yaml");

const placement = { primary: "h1", "replica-1": "h2", "replica-2": "h3", pgbouncer: "h1", backup: "h3" };
const PARTS = ["primary", "replica-1", "replica-2", "pgbouncer", "backup"] as const;
let hosts: TestHost[] = [];
let stack: E2EStack;
let first: HarnessResult;

/** A stack file on `shape` (Pulumi.<shape>.yaml) over the test hosts, with `overrides` (short keys), monitoring off. */
function writeStackFile(file: string, shape: string, overrides: Record<string, unknown>): void {
  const base = (yaml.load(readFileSync(path.join(REPO_ROOT, `Pulumi.${shape}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
  const backup = { ...((base["pgstack:backup"] as object | undefined) ?? {}), ...((overrides.backup as object | undefined) ?? {}) };
  const config: Record<string, unknown> = {
    ...base,
    "pgstack:images": images,
    "pgstack:hosts": Object.fromEntries(hosts.map((h) => [h.name, { docker: h.docker, address: h.address }])),
    "pgstack:protectData": false,
    "pgstack:monitoring": { enabled: false },
    ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`pgstack:${k}`, v])),
    "pgstack:backup": backup,
  };
  writeFileSync(file, yaml.dump({ config }));
}

const hostOf = (part: string) => hosts.find((h) => h.name === placement[part as keyof typeof placement])!;

/** Each part's container on its host's engine: id, start time and health. */
async function identities(): Promise<Record<string, { host: string; id: string; startedAt: string; health: string }>> {
  const out: Record<string, { host: string; id: string; startedAt: string; health: string }> = {};
  for (const part of PARTS) {
    const h = hostOf(part);
    const r = await dockerRaw(["inspect", "--format", "{{.Id}} {{.State.StartedAt}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", stack.container(part)], { host: h.docker });
    if (r.code !== 0) throw new Error(`${stack.container(part)} on ${h.name}: ${r.stderr.trim()}`);
    const [id, startedAt, health] = r.stdout.trim().split(" ");
    out[part] = { host: h.name, id, startedAt, health };
  }
  return out;
}

beforeAll(async () => {
  ensureHarnessBuilt(); // dist/scripts/failover.js
  hosts = await testHostsUp(3, [images.postgres, images.pgbouncer]);
  expect(hosts.map((h) => `${h.name}@${h.address}`)).toEqual(["h1@10.231.0.11", "h2@10.231.0.12", "h3@10.231.0.13"]);
  writeStackFile(stackFile, "production", { placement, ports: { primary: 41432, replicaBase: 41433, pgbouncer: 41532 }, backup: { hostPath: storage } });
  stack = new E2EStack({ stack: "e2e-mh1", configFrom: stackFile, timeoutMs: 600_000 });
  first = await stack.up();
});

afterAll(async () => {
  await stack?.cleanup().catch(() => undefined);
  for (const h of hosts) await removeLeftoversOn(h, "e2e-mh1");
  await testHostsRelease();
  rmSync(workDir, { recursive: true, force: true });
});

describe("three Docker hosts: a fresh deploy", () => {
  it("runs each part on its own host, healthy, and nothing on another host or the machine's engine", async () => {
    expect(first.steps.filter((s) => s.op !== "create")).toEqual([]);
    const ids = await identities();
    for (const part of PARTS) expect(`${part}@${ids[part].host} ${ids[part].health}`).toBe(`${part}@${placement[part]} healthy`);
    for (const h of hosts) {
      const here = PARTS.filter((p) => placement[p] === h.name).map((p) => stack.container(p)).sort();
      expect((await leftoversOn(h, stack.stack)).containers, `containers on ${h.name}`).toEqual(here);
    }
    const local = await dockerRaw(["ps", "-a", "--filter", `label=pgstack.stack=${stack.stack}`, "--format", "{{.Names}}"]);
    expect(local.stdout.trim()).toBe("");
  });

  it("exports endpoints at the hosts' addresses", () => {
    const o = outputsOf(first);
    expect(o.primaryEndpoint).toBe("10.231.0.11:41432");
    expect(o.replicaEndpoints).toEqual(["10.231.0.12:41433", "10.231.0.13:41434"]);
    expect(o.pgbouncerEndpoint).toBe("10.231.0.11:41532");
  });

  it("streams to both replicas across hosts: the primary sees them connect from h2's and h3's addresses, one of them synchronous", async () => {
    const o = outputsOf(first);
    expect(o.streaming.map((r) => `${r.name} ${r.state} ${r.markerReplayed}`)).toEqual(["replica-1 streaming true", "replica-2 streaming true"]);
    // Over TLS: every walsender's connection is encrypted, verified against the stack's CA by name.
    const senders = await query<{ application_name: string; client_addr: string; state: string; sync_state: string; ssl: boolean }>(
      superuserConnection(stack, o),
      "SELECT r.application_name, host(r.client_addr) AS client_addr, r.state, r.sync_state, coalesce(s.ssl, false) AS ssl FROM pg_stat_replication r LEFT JOIN pg_stat_ssl s USING (pid) ORDER BY r.application_name",
    );
    expect(senders.map((s) => `${s.application_name} ${s.client_addr} ${s.state} ssl=${s.ssl}`)).toEqual(["replica-1 10.231.0.12 streaming ssl=true", "replica-2 10.231.0.13 streaming ssl=true"]);
    expect(senders.filter((s) => s.sync_state === "sync" || s.sync_state === "quorum")).not.toEqual([]);
  });

  it("serves a row written through PgBouncer on h1 from each replica's host and from <database>_ro", async () => {
    const o = outputsOf(first);
    const token = await writeToken(o);
    for (const endpoint of o.replicaEndpoints) await expectTokenVisible(memberConnection(o, endpoint), token, `replica ${endpoint}`);
    await expectTokenVisible({ ...memberConnection(o, o.pgbouncerEndpoint), database: "app_ro" }, token, "PgBouncer's app_ro");
  });

  it("backs up from h3: the first base backup, taken over the network from the primary on h1, is in the shared storage", () => {
    expect(String(first.outputs.backups)).toMatch(/base backup/);
    expect(String(first.outputs.backups)).not.toMatch(/no base backup/);
  });

  it("changes nothing when deployed again unchanged", async () => {
    const before = await identities();
    expect(await stack.changes()).toEqual([]);
    const second = await stack.up();
    expect(second.steps.filter((s) => s.op !== "same")).toEqual([]);
    expect(await identities()).toEqual(before);
  });
});

describe("three Docker hosts: scale out onto a host and back in", () => {
  it("adds replica-3 on h2, cloned from the primary on h1 and streaming from there", async () => {
    const out = await stack.up({ replicas: 3, placement: { ...placement, "replica-3": "h2" } });
    // The members and PgBouncer are left alone; the backup container, whose backup.env lists the
    // members (PGHOST/PGPORT), is replaced, as on one host.
    expect(out.steps.filter((s) => s.op === "delete" || s.op === "replace").map((s) => `${s.op} ${s.name}`)).toEqual(["replace backup"]);
    const o = outputsOf(out);
    expect(o.replicaEndpoints).toEqual(["10.231.0.12:41433", "10.231.0.13:41434", "10.231.0.12:41435"]);
    expect(o.streaming.map((r) => `${r.name} ${r.state}`)).toEqual(["replica-1 streaming", "replica-2 streaming", "replica-3 streaming"]);
    const r3 = await dockerRaw(["inspect", "--format", "{{.State.Health.Status}}", stack.container("replica-3")], { host: hostOf("replica-1").docker });
    expect(r3.stdout.trim()).toBe("healthy");
    const senders = await query<{ application_name: string; client_addr: string }>(superuserConnection(stack, o), "SELECT application_name, host(client_addr) AS client_addr FROM pg_stat_replication WHERE application_name = 'replica-3'");
    expect(senders).toEqual([{ application_name: "replica-3", client_addr: "10.231.0.12" }]);
  });

  it("removes replica-3 from h2 and drops its slot on the primary's host", async () => {
    const out = await stack.up();
    expect(outputsOf(out).replicaEndpoints).toEqual(["10.231.0.12:41433", "10.231.0.13:41434"]);
    const slots = await query<{ slot_name: string }>(superuserConnection(stack, outputsOf(out)), "SELECT slot_name FROM pg_replication_slots ORDER BY slot_name");
    expect(slots.map((s) => s.slot_name)).toEqual(["replica_1", "replica_2"]);
    expect((await leftoversOn(hostOf("replica-1"), stack.stack)).containers).toEqual([stack.container("replica-1")]);
    expect((await leftoversOn(hostOf("replica-1"), stack.stack)).volumes).toEqual([`${stack.stack}-replica-1-data`]);
  });
});

function runFailover(args: string[], name = "e2e-mh1", file = stackFile): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist", "scripts", "failover.js"), "--stack", name, "--config-file", file, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const at = (endpoint: string) => ({ ...superuserConnection(stack, outputsOf(first), endpoint) });
const inRecovery = async (endpoint: string) => inRecoveryAt(at(endpoint));
async function inRecoveryAt(config: ReturnType<typeof superuserConnection>): Promise<boolean> {
  return (await query<{ r: boolean }>(config, "SELECT pg_is_in_recovery() AS r"))[0].r;
}

describe("three Docker hosts: h1 lost", () => {
  const acknowledged: string[] = [];
  let newPrimary = "";

  it("refuses to promote while the old primary's host does not answer, and says why and what --force risks", async () => {
    const o = outputsOf(first);
    await query(superuserConnection(stack, o), "CREATE TABLE acked (token text PRIMARY KEY)");
    // Committed with synchronous replication on: each is on at least one replica when acknowledged.
    for (let i = 0; i < 20; i++) {
      const token = `row-${i}`;
      await query(superuserConnection(stack, o), "INSERT INTO acked VALUES ($1)", [token]);
      acknowledged.push(token);
    }
    await testHost("stop", "h1");
    const refused = runFailover([]);
    expect(refused.code, refused.output).not.toBe(0);
    expect(refused.output).toMatch(/host h1 \(unix:\/\/\S+\): DOES NOT ANSWER; runs primary/);
    expect(refused.output).toMatch(/host h1 does not answer .* so primary cannot be fenced/);
    expect(refused.output).toMatch(/Nothing was promoted; if h1 is truly lost, run again with --force/);
    for (const endpoint of o.replicaEndpoints) expect(await inRecovery(endpoint), `${endpoint} still a standby`).toBe(true);
  });

  it("with --force promotes the most advanced replica on another host; the other follows it across hosts and no acknowledged write is lost", async () => {
    const o = outputsOf(first);
    const forced = runFailover(["--force"]);
    expect(forced.code, forced.output).toBe(0);
    expect(forced.output).toMatch(/--force: promoting without fencing/);
    newPrimary = /promoting (replica-\d)/.exec(forced.output)?.[1] ?? "";
    expect(["replica-1", "replica-2"]).toContain(newPrimary);
    const survivor = newPrimary === "replica-1" ? "replica-2" : "replica-1";
    const endpointOf = (m: string) => o.replicaEndpoints[Number(m.split("-")[1]) - 1];
    expect(await inRecovery(endpointOf(newPrimary))).toBe(false);
    const rows = await query<{ token: string }>(at(endpointOf(newPrimary)), "SELECT token FROM acked ORDER BY token");
    expect(rows.map((r) => r.token).sort()).toEqual([...acknowledged].sort());
    const senders = await query<{ application_name: string; client_addr: string; state: string }>(
      at(endpointOf(newPrimary)),
      "SELECT application_name, host(client_addr) AS client_addr, state FROM pg_stat_replication",
    );
    expect(senders.map((s) => `${s.application_name} ${s.client_addr} ${s.state}`)).toEqual([`${survivor} ${hostOf(survivor).address} streaming`]);
    expect(forced.output).toMatch(/PgBouncer \(e2e-mh1-pgbouncer on host h1\) does not answer: it is down with its host; until that host is back, clients reach the new primary directly at 10\.231\.0\.1[23]:4143[34]/);
    expect(readFileSync(stackFile, "utf8")).toMatch(new RegExp(`pgstack:primaryMember: ${newPrimary}`));
  });

  it("h1 comes back (for the tear-down)", async () => {
    await testHost("start", "h1");
  });
});

describe("three Docker hosts: tear-down", () => {
  it("leaves nothing on any host after a destroy", async () => {
    const result = await stack.destroy();
    expect(result.steps.filter((s) => s.op !== "delete")).toEqual([]);
    for (const h of hosts) expect(await leftoversOn(h, stack.stack), h.name).toEqual({ containers: [], volumes: [], networks: [] });
    expect(await stack.resources()).toEqual([]);
  });
});

// A crashed primary whose host still answers: the failover fences it through h1's engine, and
// when it starts again it rejoins the new primary on h2 with pg_rewind, across hosts.
describe("two hosts: the primary crashes, its host answers", () => {
  const file = path.join(workDir, "Pulumi.e2e-mh2.yaml");
  const mh2Placement = { primary: "h1", "replica-1": "h2", pgbouncer: "h2", backup: "h2" };
  const h = (name: string) => hosts.find((x) => x.name === name)!;
  let mh2: E2EStack;
  let o: ReturnType<typeof outputsOf>;

  afterAll(async () => {
    await mh2?.cleanup().catch(() => undefined);
    for (const x of hosts) await removeLeftoversOn(x, "e2e-mh2");
  });

  it("fences the old primary through its host's engine, promotes the replica on h2, and the old primary rejoins it with pg_rewind", async () => {
    // Its own backup storage: two clusters archiving into one directory would restore each other's WAL.
    const mh2Storage = path.join(workDir, "backups-mh2");
    mkdirSync(mh2Storage);
    writeStackFile(file, "staging", { placement: mh2Placement, ports: { primary: 41452, replicaBase: 41453, pgbouncer: 41552 }, backup: { hostPath: mh2Storage } });
    mh2 = new E2EStack({ stack: "e2e-mh2", configFrom: file, timeoutMs: 600_000 });
    o = outputsOf(await mh2.up());
    const asSuperuser = (endpoint: string) => superuserConnection(mh2, o, endpoint);
    await query(asSuperuser(o.primaryEndpoint), "CREATE TABLE before_crash AS SELECT 1 AS x");
    await pollUntil("replica-1 replayed before_crash", async () => ((await query(asSuperuser(o.replicaEndpoints[0]), "SELECT to_regclass('before_crash') IS NOT NULL AS ok"))[0].ok ? true : undefined), 30_000);

    // A crash: SIGKILL, and Docker does not restart a killed container.
    const killed = await dockerRaw(["kill", mh2.container("primary")], { host: h("h1").docker });
    expect(killed.code, killed.stderr).toBe(0);
    const failover = runFailover([], "e2e-mh2", file);
    if (failover.code !== 0) {
      const replicaLog = await dockerRaw(["logs", "--tail", "60", mh2.container("replica-1")], { host: h("h2").docker });
      console.log(`replica-1's log:\n${replicaLog.stdout}${replicaLog.stderr}`);
    }
    expect(failover.code, failover.output).toBe(0);
    expect(failover.output).toMatch(/host h1 \(unix:\/\/\S+\): answers; runs primary/);
    expect(failover.output).toMatch(/fenced e2e-mh2-primary: restart policy off, stopped, marker/);
    expect(failover.output).toMatch(/promoting replica-1 .* at 10\.231\.0\.12:41453/);
    expect(failover.output).toMatch(/PgBouncer now sends writes to replica-1/);
    expect(await inRecoveryAt(asSuperuser(o.replicaEndpoints[0]))).toBe(false);
    // PgBouncer (on h2) writes to the new primary.
    await query(fromUrl(o.writeUrl), "CREATE TABLE after_failover (x int)");

    const started = await dockerRaw(["start", mh2.container("primary")], { host: h("h1").docker });
    expect(started.code, started.stderr).toBe(0);
    const senders = await pollUntil(
      "the old primary streaming from replica-1",
      async () => {
        const rows = await query<{ application_name: string; client_addr: string; state: string }>(
          asSuperuser(o.replicaEndpoints[0]),
          "SELECT application_name, host(client_addr) AS client_addr, state FROM pg_stat_replication",
        );
        return rows.some((r) => r.state === "streaming") ? rows : undefined;
      },
      120_000,
      1000,
    );
    expect(senders.map((s) => `${s.application_name} ${s.client_addr} ${s.state}`)).toEqual(["primary 10.231.0.11 streaming"]);
    const logs = await dockerRaw(["logs", mh2.container("primary")], { host: h("h1").docker });
    expect(`${logs.stdout}${logs.stderr}`).toMatch(/REJOINED as a replica of replica-1 via pg_rewind/);
    expect(await inRecoveryAt(asSuperuser(o.primaryEndpoint))).toBe(true);
    await pollUntil("after_failover on the rejoined member", async () => ((await query(asSuperuser(o.primaryEndpoint), "SELECT to_regclass('after_failover') IS NOT NULL AS ok"))[0].ok ? true : undefined), 30_000);
  });
});
