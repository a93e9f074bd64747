import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { repoRoot, runNode } from "../support/childNode";
import { query, randomPassword, startCluster, verifierFor, type Cluster } from "../support/postgresFixture";

// The engine runs a dynamic provider from the text `serializeFunction` made of it, in another
// process. This test does the same with the compiled providers in dist/: one fresh node process
// constructs each resource (under mocks) so dynamic.Resource serializes its provider itself;
// another rebuilds the provider with require-from-string, as the engine's dynamic-provider host
// does, and runs it against PostgreSQL 17. Nothing here runs inside vitest's transformed modules.

type ProviderName = "PostgresRole" | "ReplicationSlot" | "StreamingCheck" | "PostgresDatabase" | "PrimaryGuard";
/** The inputs' password while serializing: it must not end up in the provider's text. */
const DUMMY_PASSWORD = "dummy-password-never-captured";

let cluster: Cluster;
let workDir: string;

/** Builds dist/ when any provider source is newer than its compiled file. */
function ensureCompiledProviders(): void {
  const stale = () =>
    fs
      .readdirSync(path.join(repoRoot, "providers"))
      .filter((f) => f.endsWith(".ts"))
      .filter((f) => {
        const compiled = path.join(repoRoot, "dist", "providers", f.replace(/\.ts$/, ".js"));
        return !fs.existsSync(compiled) || fs.statSync(compiled).mtimeMs < fs.statSync(path.join(repoRoot, "providers", f)).mtimeMs;
      });
  if (stale().length === 0) return;
  let output = "";
  try {
    execFileSync(process.execPath, [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: repoRoot, encoding: "utf8" });
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err); // errors elsewhere still emit
  }
  if (stale().length > 0) throw new Error(`dist/providers is stale after tsc (${stale().join(", ")}):\n${output}`);
}

// Child 1: construct the resource under mocks; dynamic.Resource serializes the provider into
// its `__provider` input, which the mock monitor receives like the engine would.
const SERIALIZE = `
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const [moduleName, outFile] = process.argv.slice(1);
(async () => {
  const seen = [];
  await pulumi.runtime.setMocks({
    newResource: (args) => { seen.push({ type: args.type, provider: args.inputs.__provider }); return { id: "mock", state: args.inputs }; },
    call: () => ({}),
  }, "pgstack", "serialization", false);
  const mod = require("./dist/providers/" + moduleName + ".js");
  const connection = { host: "127.0.0.1", port: 5432, user: "postgres", password: "${DUMMY_PASSWORD}" };
  const args = {
    PostgresRole: { ...connection, roleName: "unused", login: true, replication: false },
    ReplicationSlot: { ...connection, slotName: "unused" },
    StreamingCheck: { ...connection, replicas: [] },
    PostgresDatabase: { ...connection, databaseName: "unused", owner: "postgres" },
    PrimaryGuard: { expectedPrimary: "primary", members: [], user: "postgres", password: connection.password },
  }[moduleName];
  new mod[moduleName]("under-test", args);
  for (let i = 0; i < 600 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  if (seen.length === 0) throw new Error("the mock monitor never saw the resource");
  fs.writeFileSync(outFile, JSON.stringify(seen[0]));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`;

// Child 2: rebuild the provider from its text, as @pulumi/pulumi/cmd/dynamic-provider does, and
// run the lifecycle steps; inputs arrive on stdin, results leave as one JSON line.
// Child 2b: only \`check\`, for a provider whose work happens there.
const RUN_CHECK = `
const fs = require("fs");
const [textFile] = process.argv.slice(1);
const provider = require("require-from-string")(fs.readFileSync(textFile, "utf8")).handler();
let stdin = "";
process.stdin.on("data", (d) => (stdin += d));
process.stdin.on("end", async () => {
  const result = await provider.check({}, JSON.parse(stdin));
  console.log(JSON.stringify(result));
});
`;

const RUN = `
const fs = require("fs");
const [textFile, steps] = process.argv.slice(1);
const provider = require("require-from-string")(fs.readFileSync(textFile, "utf8")).handler();
let stdin = "";
process.stdin.on("data", (d) => (stdin += d));
process.stdin.on("end", async () => {
  const { inputs, badInputs } = JSON.parse(stdin);
  const out = {};
  const step = async (name, fn) => {
    try { out[name] = { ok: await fn() }; } catch (e) { out[name] = { error: String(e && e.message || e) }; }
  };
  await step("check", () => provider.check({}, inputs));
  await step("create", () => provider.create(inputs));
  const created = out.create.ok || {};
  await step("read", () => provider.read(created.id, created.outs));
  await step("diff", () => provider.diff(created.id, created.outs, inputs));
  await step("update", () => provider.update(created.id, created.outs, { ...inputs, statementTimeoutMs: 20000 }));
  await step("delete", () => provider.delete(created.id, (out.update.ok || {}).outs || created.outs));
  await step("createWithBadPassword", () => provider.create(badInputs));
  console.log(JSON.stringify(out));
});
`;

interface StepResult<T = unknown> {
  ok?: T;
  error?: string;
}
interface RunResults {
  check: StepResult<{ failures: unknown[] }>;
  create: StepResult<{ id: string; outs: Record<string, unknown> }>;
  read: StepResult<{ id: string; props: Record<string, unknown> }>;
  diff: StepResult<{ changes: boolean; replaces: string[] }>;
  update: StepResult<{ outs: Record<string, unknown> }>;
  delete: StepResult;
  createWithBadPassword: StepResult;
}

async function serialize(name: ProviderName): Promise<{ type: string; provider: string; file: string }> {
  const outFile = path.join(workDir, `${name}.json`);
  const result = await runNode(SERIALIZE, { args: [name, outFile] });
  expect(result.code, result.stderr).toBe(0);
  const captured = JSON.parse(fs.readFileSync(outFile, "utf8")) as { type: string; provider: string };
  const file = path.join(workDir, `${name}.provider.js`);
  fs.writeFileSync(file, captured.provider);
  return { ...captured, file };
}

async function runSerialized(file: string, inputs: Record<string, unknown>): Promise<RunResults> {
  const badInputs = { ...inputs, password: "wrong-" + randomPassword(), connectTimeoutSeconds: 5 };
  const result = await runNode(RUN, { args: [file], input: JSON.stringify({ inputs, badInputs }) });
  expect(result.code, result.stderr).toBe(0);
  const lastLine = result.stdout.trim().split("\n").pop()!;
  const results = JSON.parse(lastLine) as RunResults;
  // Outputs carry the password (the resources mark it secret); error messages never do.
  for (const [name, step] of Object.entries(results)) {
    expect(step.error ?? "", name).not.toContain(cluster.superuserPassword);
    expect(step.error ?? "", name).not.toContain(badInputs.password);
  }
  expect(results.createWithBadPassword.error).toContain("authentication failed");
  return results;
}

function expectServerIndependentText(name: ProviderName, text: string): void {
  // `exports.NAME` in a captured function reads the serialized module's own exports: undefined.
  expect(text.split("\n").filter((line) => line.includes("exports.") && line !== "exports.handler = __f0;"), name).toEqual([]);
  expect(text, name).not.toContain("__awaiter"); // es2020 keeps async native
  expect(text, name).toContain('require("pg")');
  expect(text, name).not.toContain(DUMMY_PASSWORD); // inputs travel as inputs, not in the closure
}

beforeAll(async () => {
  ensureCompiledProviders();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgstack-serialization-"));
  cluster = await startCluster({ image: inject("images").postgres, standbys: 1 });
});

afterAll(async () => {
  await cluster?.teardown();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe("providers survive closure serialization", () => {
  it("PostgresRole: create, read, diff, update, delete from the serialized text", async () => {
    const { type, provider, file } = await serialize("PostgresRole");
    expect(type).toBe("pulumi-nodejs:dynamic/postgres:PostgresRole");
    expectServerIndependentText("PostgresRole", provider);

    const password = randomPassword();
    const verifier = verifierFor(password);
    // database and timeouts left to their defaults: the serialized code must supply them.
    const inputs = { ...cluster.admin, connectTimeoutSeconds: undefined, roleName: "serialized_role", login: true, replication: false, inRoles: ["pg_monitor"], passwordVerifier: verifier };
    const results = await runSerialized(file, inputs);

    expect(results.check.ok?.failures).toEqual([]);
    expect(results.create.error).toBeUndefined();
    expect(results.create.ok?.id).toMatch(/^\d+$/);
    expect(results.create.ok?.outs).toMatchObject({ adopted: false, passwordMatches: true, memberOf: ["pg_monitor"] });
    expect(results.read.ok).toMatchObject({ id: results.create.ok?.id, props: { login: true, passwordMatches: true } });
    expect(results.diff.ok).toMatchObject({ changes: false, replaces: [] });
    expect(results.update.ok?.outs).toMatchObject({ statementTimeoutMs: 20000, oid: results.create.ok?.id });
    expect(results.delete).toEqual({});
    expect(await query(cluster.admin, "SELECT 1 FROM pg_roles WHERE rolname = 'serialized_role'")).toEqual([]);
  });

  it("ReplicationSlot: create, read, diff, update, delete from the serialized text", async () => {
    const { type, provider, file } = await serialize("ReplicationSlot");
    expect(type).toBe("pulumi-nodejs:dynamic/postgres:ReplicationSlot");
    expectServerIndependentText("ReplicationSlot", provider);

    const results = await runSerialized(file, { ...cluster.admin, connectTimeoutSeconds: undefined, slotName: "serialized_slot" });
    expect(results.check.ok?.failures).toEqual([]);
    expect(results.create.error).toBeUndefined();
    expect(results.create.ok).toMatchObject({ id: "serialized_slot", outs: { adopted: false, walStatus: "reserved", active: false } });
    expect(results.read.ok).toMatchObject({ id: "serialized_slot", props: { walStatus: "reserved" } });
    expect(results.diff.ok).toMatchObject({ changes: false, replaces: [] });
    expect(results.update.ok?.outs).toMatchObject({ statementTimeoutMs: 20000 });
    expect(results.delete).toEqual({});
    expect(await query(cluster.admin, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'serialized_slot'")).toEqual([]);
  });

  it("StreamingCheck: create, read (re-verify), diff, update, delete from the serialized text", async () => {
    const { type, provider, file } = await serialize("StreamingCheck");
    expect(type).toBe("pulumi-nodejs:dynamic/postgres:StreamingCheck");
    expectServerIndependentText("StreamingCheck", provider);

    const standby = cluster.standbys[0];
    const replicas = [{ name: standby.applicationName, host: standby.host, port: standby.port, slotName: standby.slotName }];
    const results = await runSerialized(file, { ...cluster.admin, connectTimeoutSeconds: undefined, replicas, timeoutSeconds: 60 });
    expect(results.check.ok?.failures).toEqual([]);
    expect(results.create.error).toBeUndefined();
    expect(results.create.ok?.outs.replicas).toMatchObject([{ name: "replica-1", state: "streaming", markerReplayed: true }]);
    const readProps = results.read.ok?.props as { replicas: unknown[]; verifiedAt: string };
    expect(readProps.replicas).toMatchObject([{ name: "replica-1", state: "streaming", markerReplayed: true }]);
    expect(Date.parse(readProps.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(String(results.create.ok?.outs.verifiedAt)));
    expect(results.diff.ok).toMatchObject({ changes: false, replaces: [] });
    expect(results.update.ok?.outs).toMatchObject({ replicas: [{ name: "replica-1", markerReplayed: true }] });
    expect(results.delete).toEqual({});
  });

  it("PostgresDatabase: create, read, diff, update, delete from the serialized text, and never drops", async () => {
    const { type, provider, file } = await serialize("PostgresDatabase");
    expect(type).toBe("pulumi-nodejs:dynamic/postgres:PostgresDatabase");
    expectServerIndependentText("PostgresDatabase", provider);

    const results = await runSerialized(file, { ...cluster.admin, connectTimeoutSeconds: undefined, databaseName: "serialized_db", owner: "postgres" });
    expect(results.check.ok?.failures).toEqual([]);
    expect(results.create.error).toBeUndefined();
    expect(results.create.ok?.outs).toMatchObject({ adopted: false, databaseName: "serialized_db", owner: "postgres" });
    expect(results.read.ok).toMatchObject({ id: results.create.ok?.id, props: { owner: "postgres" } });
    expect(results.diff.ok).toMatchObject({ changes: false, replaces: [] });
    expect(results.update.ok?.outs).toMatchObject({ statementTimeoutMs: 20000, oid: results.create.ok?.id });
    expect(results.delete).toEqual({});
    // Deleting the resource leaves the data where it is.
    expect(await query(cluster.admin, "SELECT datname FROM pg_database WHERE datname = 'serialized_db'")).toEqual([{ datname: "serialized_db" }]);
  });

  it("PrimaryGuard: its check probes the members and refuses a config that names a replica as the primary", async () => {
    const { type, provider, file } = await serialize("PrimaryGuard");
    expect(type).toBe("pulumi-nodejs:dynamic/postgres:PrimaryGuard");
    expect(provider).not.toContain(DUMMY_PASSWORD);
    const standby = cluster.standbys[0];
    const members = [
      { name: "primary", host: cluster.admin.host, port: cluster.admin.port },
      { name: "replica-1", host: standby.host, port: standby.port },
    ];
    const check = async (expectedPrimary: string) => {
      const input = JSON.stringify({ expectedPrimary, members, user: cluster.admin.user, password: cluster.admin.password });
      const result = await runNode(RUN_CHECK, { args: [file], input });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout.trim().split("\n").pop()!) as { failures: { property: string; reason: string }[] };
    };
    expect((await check("primary")).failures).toEqual([]);
    const stale = await check("replica-1");
    expect(stale.failures).toHaveLength(1);
    expect(stale.failures[0].reason).toMatch(/pgstack:primaryMember is replica-1, but primary is the running primary \(replica-1 is a replica\)/);
    expect(stale.failures[0].reason).not.toContain(cluster.superuserPassword);
  });
});
