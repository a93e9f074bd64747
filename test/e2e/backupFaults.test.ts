import { readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CONTAINER_SCRIPT_DIR } from "../../config/containerScripts";
import { docker, dockerRaw, type DockerResult } from "../support/docker";
import { outputsOf, superuserConnection, type ClusterOutputs } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { FaultStorage, health, installWrappers, walGaps, walPosition } from "./support/faultStorage";
import { fromUrl, query, withClient } from "./support/pg";
import { pollUntil } from "./support/poll";

// Issue 14: fault injection on every backup, archive and restore path, with real PostgreSQL. One
// stack keeps its backups on a small tmpfs this file mounts; faults are real programs wrapped to
// fail or be killed half way, and the storage itself made full, read-only or missing. Each fault
// must record nothing as good, remove no good backup, name its step, and be recovered from by the
// next run; archiving must fail loudly while the primary keeps serving, and catch up with no gap
// (proven by a restore to a point inside the outage). The scripts' logic under every fault is
// covered under dash in test/unit/scripts; here the same paths run against the real binaries.

const NEVER = "0 0 30 2 *";
const storage = new FaultStorage(448);
const images = inject("images");
const stack = new E2EStack({
  stack: "e2e-bf",
  configFrom: "staging",
  config: {
    images,
    replicas: 0,
    ports: { primary: 30432, replicaBase: 30433, pgbouncer: 30532 },
    backup: { hostPath: storage.path, schedule: NEVER, baseBackupSchedule: NEVER, drillSchedule: NEVER, archiveTimeoutSeconds: 10, baseBackupKeep: 2 },
  },
});
const restored = new E2EStack({
  stack: "e2e-bf-pitr",
  configFrom: "staging",
  config: { images, replicas: 0, ports: { primary: 30442, replicaBase: 30443, pgbouncer: 30542 }, backup: { schedule: NEVER, baseBackupSchedule: NEVER, drillSchedule: NEVER } },
});
const backup = stack.container("backup");
let outputs: ClusterOutputs;
let superuser: ReturnType<typeof superuserConnection>;
const started = Date.now();

const job = (script: string, env: Record<string, string> = {}): Promise<DockerResult> =>
  dockerRaw(["exec", "-u", "postgres", ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]), backup, "sh", `/pgstack/bin/${script}`], { timeoutMs: 300_000 });
const status = (name: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path.join(storage.path, "status", name), "utf8").split("\n")) if (line.includes("=")) out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
  return out;
};
const containerStatus = async (name: string) => {
  const r = await dockerRaw(["exec", backup, "cat", `/pgstack/run/status/${name}`]);
  return Object.fromEntries(r.stdout.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
};
const dumps = () => {
  try {
    return require("node:fs").readdirSync(path.join(storage.path, "dumps", "app")).filter((f: string) => f.endsWith(".dump")).sort() as string[];
  } catch {
    return [] as string[];
  }
};
const partials = () => (require("node:child_process").execFileSync("find", [storage.path, "-name", "*.partial"], { encoding: "utf8" }) as string).trim();
const archiver = async () => (await query<{ failed: number; archived: string | null; failing: boolean }>(superuser, "SELECT failed_count::int AS failed, last_archived_wal AS archived, coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) AS failing FROM pg_stat_archiver"))[0];
const insert = (tokens: string[]) => withClient(fromUrl(outputs.writeUrl), async (c) => {
  for (const t of tokens) await c.query("INSERT INTO events (token) VALUES ($1)", [t]);
});

/** Forces the current WAL segment out and waits until the archive holds it (write something first: an empty segment is not switched). */
async function archiveNow(): Promise<string> {
  const [{ file }] = await query<{ file: string }>(superuser, "SELECT pg_walfile_name(pg_current_wal_lsn()) AS file");
  await query(superuser, "SELECT pg_switch_wal()");
  await pollUntil(`segment ${file} archived`, async () => (storage.segments().includes(file) ? true : undefined), 60_000, 250);
  return file;
}

beforeAll(async () => {
  outputs = outputsOf(await stack.up());
  superuser = superuserConnection(stack, outputs);
  await query(fromUrl(outputs.writeUrl), "CREATE TABLE events (id bigserial PRIMARY KEY, token text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
  // Enough data that a dump does not fit in the little room the full storage leaves.
  await query(fromUrl(outputs.writeUrl), "CREATE TABLE payload AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS body FROM generate_series(1, 60000) g");
  await pollUntil("the first base backup", async () => (storage.baseBackups().length > 0 && status("last-base").status === "ok" ? true : undefined), 120_000, 500);
  expect((await job("backup-dumps.sh")).code).toBe(0);
});

afterAll(async () => {
  storage.unfill();
  try {
    storage.readOnly(false);
  } catch {
    // it was not read-only
  }
  await restored.cleanup();
  await stack.cleanup();
  storage.cleanup();
  console.log(`backupFaults.test.ts: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

describe("real programs failing or killed half way", () => {
  it("tar failing (\"Cannot open\"): no base backup recorded, the good ones kept, step compress named; the next run recovers", async () => {
    const good = storage.baseBackups();
    const PATH = await installWrappers(backup, "/tmp/faults-tar", {
      tar: `case " $* " in *" -cf "*) tar "$@" | head -c 20; echo "tar: ./base/1/1259: Cannot open: Permission denied" >&2; exit 2 ;; esac\nexec tar "$@"`,
    });
    const r = await job("backup-base.sh", { PATH });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/kind=base status=failed step=compress error="tar exited 2: tar: .*Cannot open: Permission denied"/);
    expect(storage.baseBackups()).toEqual(good);
    expect(partials()).toBe("");
    expect(status("last-base")).toMatchObject({ status: "failed", step: "compress" });
    const again = await job("backup-base.sh");
    expect(again.code, again.stdout).toBe(0);
    expect(storage.baseBackups()).toHaveLength(good.length + 1);
  });

  it("gzip killed half way with its job (kill -9): nothing recorded, seen as interrupted at compress; the next run takes over", async () => {
    const good = storage.baseBackups();
    const PATH = await installWrappers(backup, "/tmp/faults-gzip", {
      gzip: `case " $* " in *" -1 "*) gzip "$@" | head -c 300000; kill -9 "$(cat /pgstack/run/base.lock/pid)"; kill -9 $$ ;; esac\nexec gzip "$@"`,
    });
    const r = await job("backup-base.sh", { PATH });
    expect(r.code).not.toBe(0);
    expect(storage.baseBackups()).toEqual(good);
    expect(partials()).toMatch(/base\/\.\d{8}T\d{6}Z\.partial/);
    expect(await containerStatus("last-base")).toMatchObject({ status: "running", step: "compress" });
    const check = await dockerRaw(["exec", backup, "sh", "/pgstack/bin/backup-health.sh"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/last-base was interrupted at step compress/);

    const again = await job("backup-base.sh");
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/kind=base-takeover/);
    expect(partials()).toBe("");
    // baseBackupKeep 2: the oldest goes only now that a newer verified one exists.
    const now = storage.baseBackups();
    expect(now).toHaveLength(2);
    expect(now[0]).toBe(good[good.length - 1]);
    expect(now[1] > now[0]).toBe(true);
  });

  it("pg_dump killed half way with its job: the newest good dump kept, interrupted at pg_dump; the next run recovers", async () => {
    const good = dumps();
    const PATH = await installWrappers(backup, "/tmp/faults-pgdump", {
      pg_dump: [
        'f=""; for a in "$@"; do [ "$prev" = -f ] && f=$a; prev=$a; done',
        'pg_dump "$@" || exit $?',
        'case "$f" in */app/*) head -c $(( $(wc -c < "$f") / 2 )) "$f" > "$f.cut" && mv "$f.cut" "$f"; kill -9 "$(cat /pgstack/run/dumps.lock/pid)"; kill -9 $$ ;; esac',
      ].join("\n"),
    });
    const r = await job("backup-dumps.sh", { PATH });
    expect(r.code).not.toBe(0);
    expect(dumps()).toEqual(good);
    expect(await containerStatus("last-run")).toMatchObject({ status: "running", step: "pg_dump" });
    const again = await job("backup-dumps.sh");
    expect(again.code, again.stdout).toBe(0);
    expect(partials()).toBe("");
    expect(dumps()).toHaveLength(good.length + 1);
  });
});

describe("the restore drill", () => {
  it("restores the newest dump and base backup into scratch instances and records what it checked", async () => {
    const r = await job("backup-drill.sh");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const drill = status("last-drill");
    expect(drill).toMatchObject({ status: "ok", exit: "0" });
    expect(drill.dump).toMatch(/^2 dump\(s\) restored, tables=\d+ rows=\d+ amcheck=yes broken_indexes=0$/);
    expect(drill.base).toMatch(/^base backup \d{8}T\d{6}Z recovered and promoted, tables=\d+ rows=\d+ amcheck=yes broken_indexes=0$/);
    expect(require("node:fs").readdirSync(storage.path).filter((f: string) => f.startsWith(".drill-"))).toEqual([]);
  });
});

describe("the backup storage missing or read-only", () => {
  it("read-only: every job and archiving fail naming it, the primary keeps serving, and it all recovers once writable", async () => {
    const before = await archiver();
    storage.readOnly(true);
    try {
      const base = await job("backup-base.sh");
      expect(base.code).toBe(1);
      expect(base.stdout).toMatch(/step=storage error="the backup storage \/var\/lib\/pgstack\/backups is not writable: .*Read-only file system"/);
      const dump = await job("backup-dumps.sh");
      expect(dump.code).toBe(1);
      expect(await containerStatus("last-run")).toMatchObject({ status: "failed", step: "storage" });
      await insert(["read-only-1"]);
      await query(superuser, "SELECT pg_switch_wal()");
      await pollUntil("a failed archive attempt", async () => ((await archiver()).failed > before.failed ? true : undefined), 30_000, 250);
      const check = await dockerRaw(["exec", backup, "sh", "/pgstack/bin/backup-health.sh"]);
      expect(check.stdout).toMatch(/not writable/);
    } finally {
      storage.readOnly(false);
    }
    await pollUntil("archiving caught up", async () => (!(await archiver()).failing ? true : undefined), 60_000, 500);
    expect((await job("backup-dumps.sh")).code).toBe(0);
  });

  it("missing (no marker): nothing is written, archiving and the jobs say it is not mounted; back once it is", async () => {
    const marker = path.join(storage.path, ".pgstack-backups");
    const kept = path.join(storage.path, "marker.kept");
    const before = await archiver();
    const log = readFileSync(path.join(storage.path, "log", "backups.log"), "utf8");
    renameSync(marker, kept);
    try {
      const r = await job("backup-base.sh");
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/step=storage error="the backup storage is not mounted at \/var\/lib\/pgstack\/backups \(no \.pgstack-backups marker\)/);
      expect(readFileSync(path.join(storage.path, "log", "backups.log"), "utf8")).toBe(log);
      await insert(["missing-1"]);
      await query(superuser, "SELECT pg_switch_wal()");
      await pollUntil("a failed archive attempt", async () => ((await archiver()).failed > before.failed ? true : undefined), 30_000, 250);
      const primaryLog = await dockerRaw(["logs", "--tail", "30", stack.container("primary")]);
      expect(primaryLog.stdout + primaryLog.stderr).toContain("backup storage is not mounted at /var/lib/pgstack/backups (no .pgstack-backups marker)");
    } finally {
      renameSync(kept, marker);
    }
    await pollUntil("archiving caught up", async () => (!(await archiver()).failing ? true : undefined), 60_000, 500);
    expect((await job("backup-base.sh")).code).toBe(0);
  });
});

describe("the backup storage full", () => {
  let insideOutage = "";
  const beforeOutage: string[] = [];
  const duringOutage: string[] = [];
  let corrupted = "";

  it("fails base backups, dumps and archiving loudly while the primary keeps serving, and catches up with no gap", async () => {
    const goodBases = storage.baseBackups();
    const goodDumps = dumps();
    for (let i = 0; i < 20; i++) beforeOutage.push(`before-${i}`);
    await insert(beforeOutage);
    await archiveNow();

    storage.fill(512 * 1024);
    try {
      const before = await archiver();
      const base = await job("backup-base.sh");
      expect(base.code).toBe(1);
      expect(base.stdout).toMatch(/kind=base status=failed step=pg_basebackup error=".*No space left on device/);
      const dump = await job("backup-dumps.sh");
      expect(dump.code).toBe(1);
      expect(dump.stdout).toMatch(/db=app status=failed step=pg_dump .*No space left on device/);
      expect(storage.baseBackups()).toEqual(goodBases);
      expect(dumps()).toEqual(goodDumps);
      expect(partials()).toBe("");

      // The primary goes on serving; what it writes waits in pg_wal.
      for (let i = 0; i < 20; i++) duringOutage.push(`during-${i}`);
      await insert(duringOutage.slice(0, 10));
      const [{ now }] = await query<{ now: Date }>(superuser, "SELECT clock_timestamp() AS now");
      insideOutage = now.toISOString();
      await new Promise((r) => setTimeout(r, 1200));
      await insert(duringOutage.slice(10));
      await query(superuser, "SELECT pg_switch_wal()");
      const failing = await pollUntil("archive failures counted", async () => {
        const a = await archiver();
        return a.failing && a.failed >= before.failed + 2 ? a : undefined;
      }, 60_000, 500);
      expect(failing.archived).toBe(before.archived);
      const unhealthy = await pollUntil("the backup container unhealthy", async () => {
        const h = await health(backup);
        return h.status === "unhealthy" ? h : undefined;
      }, 90_000, 1000);
      expect(unhealthy.output).toMatch(/WAL archiving is failing on e2e-bf-primary|WAL archiving is failing on primary/);
      expect(unhealthy.output).toMatch(/last-base failed at step pg_basebackup/);
      const summary = String((await stack.up({ verifyTrigger: "storage-full" })).outputs.backups ?? "");
      expect(summary).toMatch(/^WAL ARCHIVING FAILING: \d+ failed attempt\(s\), the last for [0-9A-F]{24} at \S+; last base backup FAILED at step pg_basebackup/);
      expect(summary).toMatch(/last dump run FAILED at step pg_dump/);
    } finally {
      // Space back: PostgreSQL's retries archive everything it kept, in order.
      storage.unfill();
    }
    await insert(["after-outage"]);
    const [{ current }] = await query<{ current: string }>(superuser, "SELECT pg_walfile_name(pg_current_wal_lsn()) AS current");
    await archiveNow();
    await pollUntil("archiving caught up", async () => (!(await archiver()).failing ? true : undefined), 60_000, 500);
    const segments = storage.segments();
    expect(walGaps(segments)).toEqual([]);
    expect(segments).toContain(current);
    expect(walPosition(segments[segments.length - 1])).toBeGreaterThanOrEqual(walPosition(current));
    // The next runs recover, and with them the container's health.
    expect((await job("backup-base.sh")).code).toBe(0);
    expect((await job("backup-dumps.sh")).code).toBe(0);
    await pollUntil("the backup container healthy again", async () => ((await health(backup)).status === "healthy" ? true : undefined), 90_000, 1000);
  });

  it("a corrupted archived segment stops a restore across it, named, before anything is created", async () => {
    await insert(["after-0", "after-1"]);
    corrupted = await archiveNow();
    const file = path.join(storage.path, "wal", corrupted);
    const bytes = readFileSync(file);
    bytes[4096] ^= 0xff;
    writeFileSync(file, bytes);

    const run = await restored.tryUp({ restore: { source: storage.path } });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.result?.error?.resource?.name).toBe("restore-plan");
    expect(run.result?.error?.message).toContain(`archived WAL segment ${corrupted} is corrupted`);
    const members = await docker(["ps", "-aq", "--filter", "label=pgstack.stack=e2e-bf-pitr", "--filter", "label=pgstack.part=primary"]);
    expect(members, "no primary was created").toBe("");
  });

  it("a restore that meets the corrupted segment only while replaying fails naming it, instead of promoting short of the archive", async () => {
    // restore-bootstrap.sh as the primary runs it (which leaves the archive's check to restore-wal.sh),
    // in a throwaway container with the scripts, an empty postgresql.conf and the storage read-only.
    const conf = path.join(storage.dir, "conf");
    require("node:fs").mkdirSync(conf, { recursive: true });
    writeFileSync(path.join(conf, "postgresql.conf"), "# empty: defaults\n");
    const r = await dockerRaw([
      "run", "--rm", "--name", "e2e-bf-bootstrap", "--label", "pgstack.stack=e2e-bf", "--network", "none", "--user", "postgres",
      "-v", `${CONTAINER_SCRIPT_DIR}:/pgstack/bin:ro`, "-v", `${conf}:/pgstack/conf:ro`, "-v", `${storage.path}:/restore-source:ro`,
      "-e", "PGSTACK_PGDATA=/tmp/restore/pgdata", "-e", "PGSTACK_RUN=/tmp/run", "--entrypoint", "/bin/sh", images.postgres,
      "-c", "mkdir -p /tmp/restore /tmp/run && sh /pgstack/bin/restore-bootstrap.sh /restore-source; code=$?; ls /tmp/restore; exit $code",
    ], { timeoutMs: 300_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`restore: FAILED: archived WAL ${corrupted} is corrupted .*recovery stopped before it instead of at the end of the archive`));
    // Nothing became PGDATA.
    expect(r.stdout.trim()).not.toMatch(/^pgdata$/m);
  });

  it("a restore to a point inside the outage, before the corrupted segment, has exactly the rows committed by then", async () => {
    const out = outputsOf(await restored.up({ restore: { source: storage.path, targetTime: insideOutage } }));
    const rows = await query<{ token: string }>(fromUrl(out.writeUrl), "SELECT token FROM events WHERE token LIKE 'before-%' OR token LIKE 'during-%' ORDER BY id");
    expect(rows.map((r) => r.token)).toEqual([...beforeOutage, ...duringOutage.slice(0, 10)]);
  });
});
