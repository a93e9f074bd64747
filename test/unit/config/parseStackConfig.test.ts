import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../config/defaults";
import { CONFIG_KEYS, parseStackConfig } from "../../../config/parseStackConfig";
import { clusterMembers } from "../../../config/topology";
import { projectConfigDeclarations, stackConfig } from "../../support/stackConfig";
import { parse, problems } from "../../support/shortConfig";

describe("parseStackConfig defaults", () => {
  it("gives the documented defaults for an empty config", () => {
    expect(parse({})).toEqual({ ...DEFAULTS, stack: "test" });
  });

  it("keeps Pulumi.yaml's declared defaults identical to the program's own", () => {
    const declared = projectConfigDeclarations();
    expect(Object.keys(declared).sort()).toEqual([...CONFIG_KEYS].sort());
    const fromYaml = Object.fromEntries(Object.entries(declared).map(([k, d]) => [k, d.default]));
    expect(parse(fromYaml)).toEqual({ ...DEFAULTS, stack: "test" });
    for (const [key, d] of Object.entries(declared)) {
      expect(d.description?.length ?? 0, `${key} has a description`).toBeGreaterThan(20);
      // Pulumi's project schema types scalars (string, integer, boolean) but has no object type.
      const expectedType = typeof d.default === "object" ? undefined : Number.isInteger(d.default) ? "integer" : typeof d.default;
      if (key !== "memory" && key !== "cpus") expect(d.type, `${key}'s declared type`).toBe(expectedType);
    }
  });

  it("reads values as Pulumi passes them: strings, objects as JSON text", () => {
    const s = parseStackConfig(
      { "pgstack:replicas": "2", "pgstack:ports": '{"primary":7000,"replicaBase":7001,"pgbouncer":7100}', "pgstack:protectData": "true", "aws:region": "ignored" },
      "x",
    );
    expect(s.replicas).toBe(2);
    expect(s.ports).toEqual({ primary: 7000, replicaBase: 7001, pgbouncer: 7100 });
    expect(s.protectData).toBe(true);
  });

  it("fills the fields an object key leaves out from the defaults", () => {
    expect(parse({ ports: { primary: 7000 } }).ports).toEqual({ ...DEFAULTS.ports, primary: 7000 });
    expect(parse({ pgbouncer: { poolMode: "session" } }).pgbouncer).toEqual({ ...DEFAULTS.pgbouncer, poolMode: "session" });
  });

  it("reads a restore from a volume or a host path, normalizing the target time to UTC", () => {
    expect(parse({ restore: { source: "production-backups", targetTime: "2026-11-23T11:15:00+01:00" } }).restore).toEqual({
      source: "production-backups",
      targetTime: "2026-11-23T10:15:00.000Z",
    });
    expect(parse({ restore: { source: "/srv/backups", dump: "latest" } }).restore).toEqual({ source: "/srv/backups", dump: "latest" });
    expect(parse({ restore: {} }).restore).toBeUndefined();
  });

  it("accepts memory with units and fractional cpus", () => {
    expect(parse({ memory: "2GiB" }).memoryMb).toBe(2048);
    expect(parse({ memory: "512m" }).memoryMb).toBe(512);
    expect(parse({ memory: 3072 }).memoryMb).toBe(3072);
    expect(parse({ cpus: "1.5" }).cpus).toBe(1.5);
  });
});

describe("the real stack files", () => {
  const load = (stack: string) => parseStackConfig(stackConfig(stack), stack);

  it("parse, with the shapes the issue asks for", () => {
    expect(load("local")).toMatchObject({ replicas: 1, syncReplicas: 0, protectData: false, bindAddress: "127.0.0.1" });
    expect(load("staging")).toMatchObject({ replicas: 1, syncReplicas: 0, protectData: false });
    expect(load("production")).toMatchObject({ replicas: 2, syncReplicas: 1, protectData: true });
  });

  it("never collide on host ports, even scaled to nine replicas", () => {
    const used = new Map<number, string>();
    for (const stack of ["local", "staging", "production"]) {
      const s = { ...load(stack), replicas: 9 };
      const ports = [...clusterMembers(s).map((m) => m.hostPort), s.ports.pgbouncer];
      for (const port of ports) {
        expect(used.get(port), `${stack} port ${port}`).toBeUndefined();
        used.set(port, stack);
      }
    }
  });
});

describe("parseStackConfig errors name the key, the value and what is allowed", () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["replicas too many", { replicas: 10 }, /^pgstack:replicas: must be an integer from 0 to 9$/],
    ["replicas not a number", { replicas: "two" }, /^pgstack:replicas: must be an integer from 0 to 9$/],
    ["syncReplicas above replicas", { replicas: 1, syncReplicas: 2 }, /^pgstack:syncReplicas: must be at most pgstack:replicas \(1\)/],
    ["bindAddress", { bindAddress: "localhost" }, /^pgstack:bindAddress: must be an IP address/],
    ["port out of range", { ports: { primary: 70000 } }, /^pgstack:ports.primary: must be an integer from 1 to 65535$/],
    ["unknown port field", { ports: { primry: 5000 } }, /^pgstack:ports.primry: unknown field; allowed: primary, replicaBase, pgbouncer$/],
    ["primary in replica range", { replicas: 3, ports: { primary: 7002, replicaBase: 7001, pgbouncer: 7100 } }, /^pgstack:ports.primary: collides with the replica ports 7001-7003/],
    ["pgbouncer equals primary", { ports: { primary: 7000, replicaBase: 7001, pgbouncer: 7000 } }, /^pgstack:ports.pgbouncer: collides with pgstack:ports.primary/],
    ["pgbouncer in replica range", { replicas: 2, ports: { primary: 7000, replicaBase: 7001, pgbouncer: 7002 } }, /^pgstack:ports.pgbouncer: collides with the replica ports 7001-7002/],
    ["replica ports past 65535", { replicas: 3, ports: { primary: 7000, replicaBase: 65534, pgbouncer: 7100 } }, /^pgstack:ports.replicaBase: with 3 replicas the last replica port would be 65536/],
    ["image latest", { images: { postgres: "postgres:latest" } }, /^pgstack:images.postgres: must be pinned to a version tag or digest \(never latest\)/],
    ["image untagged", { images: { pgbouncer: "edoburu/pgbouncer" } }, /^pgstack:images.pgbouncer: must be pinned/],
    ["image garbage", { images: { postgres: "Not An Image" } }, /^pgstack:images.postgres: must be a Docker image reference/],
    ["memory too small", { memory: 128 }, /^pgstack:memory: must be a size of at least 256 MiB/],
    ["memory unit", { memory: "2TB" }, /^pgstack:memory: must be a size/],
    ["cpus", { cpus: 0 }, /^pgstack:cpus: must be a number of CPUs from 0.1 to 256/],
    ["pool mode", { pgbouncer: { poolMode: "batch" } }, /^pgstack:pgbouncer.poolMode: must be one of session, transaction, statement$/],
    ["pool bigger than max_connections allows", { pgbouncer: { defaultPoolSize: 95 } }, /^pgstack:pgbouncer.defaultPoolSize: must be an integer from 1 to 90$/],
    ["min pool above default pool", { pgbouncer: { defaultPoolSize: 10, minPoolSize: 11 } }, /^pgstack:pgbouncer.minPoolSize: must be an integer from 0 to 10$/],
    ["cron", { backup: { schedule: "every day" } }, /^pgstack:backup.schedule: not a cron expression: expected 5 fields/],
    ["retention", { backup: { retentionDays: 0 } }, /^pgstack:backup.retentionDays: must be an integer from 1 to 3650$/],
    ["database name", { database: "My-App" }, /^pgstack:database: must be a lower-case identifier/],
    ["database reserved", { database: "postgres" }, /^pgstack:database: must not be one of PostgreSQL's own databases/],
    ["app user reserved", { appUser: "replicator" }, /^pgstack:appUser: must not be a role pgstack or PostgreSQL reserves/],
    ["app user pg_", { appUser: "pg_app" }, /^pgstack:appUser: must not be a role pgstack or PostgreSQL reserves/],
    ["protectData", { protectData: "yes" }, /^pgstack:protectData: must be true or false$/],
    ["primaryMember", { replicas: 1, primaryMember: "replica-2" }, /^pgstack:primaryMember: must name a member of this cluster: primary, replica-1$/],
    ["unknown key", { replica: 2 }, /^pgstack:replica: unknown key; pgstack's keys are replicas, /],
    ["settings not a map", { postgresql: "work_mem=4MB" }, /^pgstack:postgresql: must be a map of PostgreSQL setting names/],
    ["base backup schedule", { backup: { baseBackupSchedule: "daily" } }, /^pgstack:backup.baseBackupSchedule: not a cron expression/],
    ["drill schedule", { backup: { drillSchedule: "0 5 * *" } }, /^pgstack:backup.drillSchedule: not a cron expression/],
    ["base backups kept", { backup: { baseBackupKeep: 0 } }, /^pgstack:backup.baseBackupKeep: must be an integer from 1 to 100$/],
    ["archive timeout", { backup: { archiveTimeoutSeconds: 0 } }, /^pgstack:backup.archiveTimeoutSeconds: must be an integer from 10 to 3600$/],
    ["backup host path relative", { backup: { hostPath: "backups" } }, /^pgstack:backup.hostPath: must be an absolute host directory/],
    ["backup host path escaping", { backup: { hostPath: "/srv/../etc" } }, /^pgstack:backup.hostPath: must be an absolute host directory/],
    ["restore without source", { restore: { targetTime: "2026-11-23T10:00:00Z" } }, /^pgstack:restore.source: must name the backup storage/],
    ["restore target without zone", { restore: { source: "prod-backups", targetTime: "2026-11-23 10:00" } }, /^pgstack:restore.targetTime: must be an ISO 8601 time with a time zone/],
    ["restore dump path", { restore: { source: "prod-backups", dump: "../etc/passwd" } }, /^pgstack:restore.dump: must be "latest" or a dump in the source/],
    ["restore dump and time", { restore: { source: "prod-backups", dump: "latest", targetTime: "2026-11-23T10:00:00Z" } }, /^pgstack:restore.targetTime: a logical restore \(restore.dump\) has no point in time/],
    ["restore unknown field", { restore: { source: "prod-backups", time: "x" } }, /^pgstack:restore.time: unknown field; allowed: source, targetTime, dump$/],
  ])("%s", (_label, config, message) => {
    const found = problems(config);
    expect(found.some((p) => message.test(p)), found.join("\n")).toBe(true);
  });

  it.each<[string, string | number | boolean, RegExp]>([
    ["wal_level", "minimal", /streaming replication needs wal_level replica or logical/],
    ["hot_standby", "off", /replicas must accept read-only queries/],
    ["wal_log_hints", false, /pg_rewind needs it on/],
    ["full_page_writes", "off", /pg_rewind needs it on/],
    ["max_wal_senders", 2, /must be an integer of at least 10/],
    ["max_replication_slots", "3", /must be an integer of at least 10/],
    ["max_slot_wal_keep_size", -1, /must be bounded/],
    ["password_encryption", "md5", /SCRAM only/],
    ["primary_conninfo", "host=elsewhere", /pgstack manages this setting/],
    ["synchronous_standby_names", "*", /use pgstack:syncReplicas/],
    ["port", 5433, /use pgstack:ports for host ports/],
    ["archive_command", "cp %p /x", /pgstack manages this setting/],
    ["server_version", "16", /read-only setting/],
    ["Work-Mem", "4MB", /not a PostgreSQL setting name/],
    ["work_mem", "4MB\nfsync = off", /control characters or line breaks/],
  ])("refuses postgresql.%s = %s", (name, value, message) => {
    const found = problems({ postgresql: { [name]: value } });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^pgstack:postgresql.${name.replace(/[-]/g, "\\-")}: `));
    expect(found[0]).toMatch(message);
  });

  it("refuses an asynchronous commit setting only when commits must wait for replicas", () => {
    expect(problems({ replicas: 2, syncReplicas: 1, postgresql: { synchronous_commit: "local" } })[0]).toMatch(/commits must wait for replicas/);
    expect(parse({ replicas: 2, postgresql: { synchronous_commit: "local" } }).postgresql.synchronous_commit).toBe("local");
  });

  it("accepts ordinary settings and renders booleans as on/off", () => {
    const s = parse({ postgresql: { work_mem: "16MB", max_connections: 200, jit: false, "pg_stat_statements.max": 5000 } });
    expect(s.postgresql).toEqual({ work_mem: "16MB", max_connections: "200", jit: "off", "pg_stat_statements.max": "5000" });
  });

  it("reports every bad key at once, before anything is declared", () => {
    const found = problems({ replicas: 12, memory: 1, bindAddress: "nowhere", database: "Bad" });
    expect(found).toHaveLength(4);
    try {
      parse({ replicas: 12, memory: 1 });
    } catch (err) {
      expect((err as Error).message).toMatch(/^pgstack: 2 invalid stack config values; nothing was deployed/);
      expect((err as Error).message).toContain("  - pgstack:replicas = 12: must be an integer from 0 to 9");
      expect((err as Error).message).toContain("  - pgstack:memory = 1: must be a size of at least 256 MiB");
    }
  });

  it("refuses stack names that cannot prefix Docker object names", () => {
    expect(() => parse({}, "Prod Stack")).toThrow(/\(stack name\) = "Prod Stack"/);
  });
});
