import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { docker, dockerRaw } from "../support/docker";
import { outputsOf, superuserConnection, type ClusterOutputs } from "./support/cluster";
import { sh } from "./support/backupVolume";
import { E2EStack } from "./support/e2eStack";
import { fromUrl, query, withClient } from "./support/pg";
import { pollUntil } from "./support/poll";

// Issue 5: the stack keeps its backups in a host directory (what survives losing the host), the
// host is "lost" (every container and data volume gone), and new stacks are rebuilt from that
// directory: to a point in time, to the latest point, and from a dump. Also the restore drill,
// the manifest, and restores that must be refused before anything is created.

/** A cron expression that never fires (there is no 30 February): no scheduled job interferes. */
const NEVER = "0 0 30 2 *";
const ARCHIVE_TIMEOUT = 10;
const workDir = mkdtempSync(path.join(tmpdir(), "pgstack-e2e-dr-"));
const storage = path.join(workDir, "backups");
mkdirSync(storage);
const images = inject("images");

const source = new E2EStack({
  stack: "e2e-dr",
  configFrom: "staging",
  config: {
    images,
    ports: { primary: 19432, replicaBase: 19433, pgbouncer: 19532 },
    backup: { hostPath: storage, schedule: NEVER, baseBackupSchedule: NEVER, drillSchedule: NEVER, archiveTimeoutSeconds: ARCHIVE_TIMEOUT },
  },
});
const rebuilt = (name: string, port: number, restore: Record<string, unknown>) =>
  new E2EStack({
    stack: name,
    configFrom: "staging",
    config: { images, ports: { primary: port, replicaBase: port + 1, pgbouncer: port + 100 }, backup: { schedule: NEVER, baseBackupSchedule: NEVER, drillSchedule: NEVER }, restore },
  });
const stacks: E2EStack[] = [];
let hostLost = false;

let outputs: ClusterOutputs;
let superuser: ReturnType<typeof fromUrl>;
/** Rows committed before the target time, and after it. */
let before: string[] = [];
let after: string[] = [];
let targetTime = "";

const tokens = async (config: ReturnType<typeof fromUrl>) => (await query<{ token: string }>(config, "SELECT token FROM orders ORDER BY id")).map((r) => r.token);
const newestArchived = () => readdirSync(path.join(storage, "wal")).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort().pop();

/** Forces the current WAL segment out and waits until the archive holds it. */
async function archiveNow(): Promise<void> {
  const [{ file }] = await query<{ file: string }>(superuser, "SELECT pg_walfile_name(pg_current_wal_lsn()) AS file");
  await query(superuser, "SELECT pg_switch_wal()");
  await pollUntil(`segment ${file} archived`, async () => ((newestArchived() ?? "") >= file ? true : undefined), 30_000, 200);
}

/** Removes every container and data volume of the source stack: the host is gone, the backup directory stays. */
async function loseTheHost(): Promise<void> {
  const ids = (await docker(["ps", "-aq", "--filter", "label=pgstack.stack=e2e-dr"])).split("\n").filter(Boolean);
  if (ids.length > 0) await docker(["rm", "-f", ...ids]);
  const volumes = (await docker(["volume", "ls", "-q", "--filter", "label=pgstack.stack=e2e-dr"])).split("\n").filter(Boolean);
  if (volumes.length > 0) await docker(["volume", "rm", ...volumes]);
}

beforeAll(async () => {
  outputs = outputsOf(await source.up());
  superuser = superuserConnection(source, outputs);
  await query(fromUrl(outputs.writeUrl), "CREATE TABLE orders (id bigserial PRIMARY KEY, token text NOT NULL, committed_at timestamptz NOT NULL DEFAULT clock_timestamp())");
  // The backup container takes a first base backup as soon as it starts.
  await pollUntil("first base backup", async () => (readdirSync(path.join(storage, "base")).some((d) => /^\d{8}T\d{6}Z$/.test(d)) ? true : undefined), 60_000, 500);
});
afterAll(async () => {
  await source.cleanup({ destroy: !hostLost });
  for (const s of stacks) await s.cleanup();
  // The storage belongs to the containers' postgres user; the test removes it as root.
  rmSync(workDir, { recursive: true, force: true });
});

describe("continuous archiving and verified backups", () => {
  it("archives WAL, takes verified base backups, and keeps a manifest a person can read", async () => {
    await archiveNow();
    const marker = readFileSync(path.join(storage, ".pgstack-backups"), "utf8");
    expect(marker).toMatch(/^created=/);
    const stamp = readdirSync(path.join(storage, "base")).filter((d) => /^\d{8}T\d{6}Z$/.test(d))[0];
    const info = readFileSync(path.join(storage, "base", stamp, "info"), "utf8");
    expect(info).toMatch(/^start_wal=[0-9A-F]{24}$/m);
    expect(info).toMatch(/^verified_at=\d{4}-/m);
    expect(statSync(path.join(storage, "base", stamp, "base.tar.gz")).size).toBeGreaterThan(1_000_000);

    await sh(source.container("backup"), "sh /pgstack/bin/backup-manifest.sh");
    const manifest = JSON.parse(readFileSync(path.join(storage, "manifest.json"), "utf8"));
    expect(manifest.baseBackups).toHaveLength(1);
    expect(manifest.baseBackups[0]).toMatchObject({ stamp, verifiedAt: expect.stringMatching(/^\d{4}-/) });
    expect(manifest.wal.segments).toBeGreaterThan(0);
    expect(manifest.recoveryWindow.from).toBe(manifest.baseBackups[0].endTime);
    expect(manifest.lastBaseBackup.status).toBe("ok");
    expect(readFileSync(path.join(storage, "MANIFEST.txt"), "utf8")).toMatch(/Point-in-time restore reaches from \S+ to \S+\./);
  });

  it("never overwrites an archived segment with different content", async () => {
    const file = newestArchived() as string;
    const r = await dockerRaw(["exec", "-u", "postgres", source.container("primary"), "sh", "/pgstack/bin/archive-wal.sh", "/etc/hostname", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refusing to overwrite");
  });

  it("runs a restore drill of the newest dump and base backup, and records it", async () => {
    await query(fromUrl(outputs.writeUrl), "INSERT INTO orders (token) SELECT 'drill-' || g FROM generate_series(1, 500) g");
    await query(fromUrl(outputs.writeUrl), "CREATE INDEX ON orders (token)");
    await sh(source.container("backup"), "sh /pgstack/bin/backup-dumps.sh");
    await archiveNow();
    await sh(source.container("backup"), "sh /pgstack/bin/backup-drill.sh");
    const drill = readFileSync(path.join(storage, "status", "last-drill"), "utf8");
    expect(drill).toMatch(/^status=ok$/m);
    // Both databases: app and postgres (which holds the streaming check's marker table).
    expect(drill).toMatch(/^dump=2 dump\(s\) restored, tables=\d+ rows=\d+ amcheck=yes broken_indexes=0$/m);
    expect(drill).toMatch(/^base=base backup \d{8}T\d{6}Z recovered and promoted, tables=\d+ rows=\d+ amcheck=yes broken_indexes=0$/m);
    // The drill's scratch data is gone again.
    expect(readdirSync(storage).filter((f) => f.startsWith(".drill-"))).toEqual([]);
    // The stack output summarises the manifest (re-read when verifyTrigger changes).
    const summary = String((await source.up({ verifyTrigger: "after-drill" })).outputs.backups ?? "");
    expect(summary, summary).toMatch(/1 base backup\(s\), newest \d{8}T\d{6}Z; point-in-time restore \S+ \.\. \S+; \d+ WAL segment\(s\) archived; \d+ dump\(s\) of \d+ database\(s\); last drill ok at /);
  });
});

describe("rebuilding from the backup directory", () => {
  it("restores exactly the rows committed by a point in time, and the replicas stream from it", async () => {
    const app = fromUrl(outputs.writeUrl);
    await query(app, "DELETE FROM orders");
    await withClient(app, async (c) => {
      for (let i = 0; i < 50; i++) {
        await c.query("INSERT INTO orders (token) VALUES ($1)", [`before-${i}`]);
        before.push(`before-${i}`);
      }
    });
    const [{ now }] = await query<{ now: Date }>(superuser, "SELECT clock_timestamp() AS now");
    targetTime = now.toISOString();
    await new Promise((r) => setTimeout(r, 1500));
    await withClient(app, async (c) => {
      for (let i = 0; i < 50; i++) {
        await c.query("INSERT INTO orders (token) VALUES ($1)", [`after-${i}`]);
        after.push(`after-${i}`);
      }
    });
    await archiveNow();

    const pitr = rebuilt("e2e-dr-pitr", 19442, { source: storage, targetTime });
    stacks.push(pitr);
    const result = await pitr.up();
    const out = outputsOf(result);
    expect(await tokens(fromUrl(out.writeUrl))).toEqual(before);
    expect(out.streaming).toMatchObject([{ name: "replica-1", state: "streaming", markerReplayed: true }]);
    const replica = superuserConnection(pitr, out, out.replicaEndpoints[0]);
    expect(await tokens(replica)).toEqual(before);
    // The rebuilt stack archives into its own storage, on the timeline the restore began.
    const [{ timeline }] = await query<{ timeline: number }>(superuserConnection(pitr, out), "SELECT timeline_id AS timeline FROM pg_control_checkpoint()");
    expect(timeline).toBeGreaterThan(1);
    // A rebuilt stack, deployed again as it is, has nothing left to change.
    expect((await pitr.changes()).map((st) => `${st.op} ${st.name}`)).toEqual([]);
  });

  it("becomes an ordinary stack when restore is removed: the primary's container is replaced, its data stays", async () => {
    const pitr = stacks.find((st) => st.stack === "e2e-dr-pitr") as E2EStack;
    pitr.configure({ restore: {} });
    const result = await pitr.up();
    const changes = result.steps.filter((st) => st.op !== "same").map((st) => `${st.op} ${st.name}`);
    expect(changes).toContain("replace primary");
    expect(changes).toContain("delete restore-plan");
    expect(changes.filter((c) => /replica-1$|-slot$|-role$|database$/.test(c)), changes.join(", ")).toEqual([]);
    const out = outputsOf(result);
    expect(await tokens(fromUrl(out.writeUrl))).toEqual(before);
    expect(out.streaming).toMatchObject([{ name: "replica-1", state: "streaming", markerReplayed: true }]);
    // And then there is nothing left to change.
    expect((await pitr.changes()).map((st) => `${st.op} ${st.name}`)).toEqual([]);
  });

  it("restores to the latest point after the host is lost, and reports the recovery point and time", async () => {
    // Writes go on until the host dies; each row records when it was committed.
    const app = fromUrl(outputs.writeUrl);
    const acked: { token: string; at: number }[] = [];
    await withClient(app, async (c) => {
      const until = Date.now() + 2.5 * ARCHIVE_TIMEOUT * 1000;
      for (let i = 0; Date.now() < until; i++) {
        await c.query("INSERT INTO orders (token) VALUES ($1)", [`latest-${i}`]);
        acked.push({ token: `latest-${i}`, at: Date.now() });
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    const lostAt = Date.now();
    await loseTheHost();
    hostLost = true;

    const latest = rebuilt("e2e-dr-latest", 19452, { source: storage });
    stacks.push(latest);
    const started = Date.now();
    const result = await latest.up();
    const recoveryTimeS = (Date.now() - started) / 1000;
    const out = outputsOf(result);
    const restored = await tokens(fromUrl(out.writeUrl));
    const restoredLatest = restored.filter((t) => t.startsWith("latest-"));
    // A prefix of what was acknowledged, with no hole: only the unarchived tail is missing.
    expect(restoredLatest).toEqual(acked.slice(0, restoredLatest.length).map((a) => a.token));
    expect(restored.slice(0, before.length + after.length)).toEqual([...before, ...after]);
    const lastRestored = restoredLatest.length > 0 ? acked[restoredLatest.length - 1].at : started;
    const recoveryPointS = (lostAt - lastRestored) / 1000;
    console.log(`disaster recovery to the latest point: RPO ${recoveryPointS.toFixed(1)} s of writes lost (archive_timeout ${ARCHIVE_TIMEOUT} s), RTO ${recoveryTimeS.toFixed(1)} s from restore start to verified streaming`);
    expect(restoredLatest.length).toBeGreaterThan(0);
    expect(recoveryPointS).toBeLessThanOrEqual(ARCHIVE_TIMEOUT + 5);
    expect(out.streaming).toMatchObject([{ name: "replica-1", state: "streaming", markerReplayed: true }]);
  });

  it("seeds a new stack from a dump (a logical restore)", async () => {
    const dump = rebuilt("e2e-dr-dump", 19462, { source: storage, dump: "latest" });
    stacks.push(dump);
    const out = outputsOf(await dump.up());
    // The newest dump was taken for the drill, after the drill rows were written.
    const rows = await query<{ n: string }>(fromUrl(out.writeUrl), "SELECT count(*)::text AS n FROM orders WHERE token LIKE 'drill-%'");
    expect(rows).toEqual([{ n: "500" }]);
    const [owner] = await query<{ owner: string }>(fromUrl(out.writeUrl), "SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'orders'");
    expect(owner.owner).toBe("app");
  });
});

describe("restores that must be refused before anything is created", () => {
  const bad = rebuilt("e2e-dr-bad", 19472, { source: storage });
  stacks.push(bad);

  async function expectRefused(restore: Record<string, unknown>, message: RegExp): Promise<void> {
    const run = await bad.tryUp({ restore });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.result?.error?.resource?.name).toBe("restore-plan");
    expect(run.result?.error?.message).toMatch(message);
    const members = await docker(["ps", "-aq", "--filter", "label=pgstack.stack=e2e-dr-bad", "--filter", "label=pgstack.part=primary"]);
    expect(members, "no primary was created").toBe("");
  }

  it("refuses a source without a base backup", async () => {
    const empty = path.join(workDir, "empty");
    mkdirSync(path.join(empty, "base"), { recursive: true });
    writeFileSync(path.join(empty, ".pgstack-backups"), "created=test\n");
    await expectRefused({ source: empty }, /no base backup in \/var\/lib\/pgstack\/restore-source\/base/);
  });

  it("refuses a target before the oldest base backup, or after the newest archived WAL", async () => {
    await expectRefused({ source: storage, targetTime: "2001-01-01T00:00:00Z" }, /targetTime 2001-01-01T00:00:00.000Z is before the oldest base backup, which ended at \S+/);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    await expectRefused({ source: storage, targetTime: future }, /is after the newest archived WAL \([0-9A-F]{24}, archived at \S+\): later writes were never archived/);
  });

  it("refuses a corrupted base backup", async () => {
    const corrupt = path.join(workDir, "corrupt");
    cpSync(storage, corrupt, { recursive: true });
    const newest = readdirSync(path.join(corrupt, "base")).filter((d) => /^\d{8}T\d{6}Z$/.test(d)).sort().pop() as string;
    const archive = path.join(corrupt, "base", newest, "base.tar.gz");
    chmodSync(archive, 0o644);
    truncateSync(archive, Math.floor(statSync(archive).size / 2));
    await expectRefused({ source: corrupt }, new RegExp(`base backup ${newest} is corrupted`));
  });
});
