import { isIP } from "node:net";
import { ConfigError, type ConfigProblem } from "./configError";
import { parseCron } from "./cron";
import { DEFAULTS } from "./defaults";
import { refusePostgresqlSetting } from "./postgresqlRules";
import type { PoolMode, StackSettings } from "./settings";
import { checkSynchronousPlacement, hostPortClashes, parseHosts, parsePlacement } from "./parseHosts";
import { isMultiHost } from "./placement";
import { portCollisions, portPlan } from "./portPlan";
import { clusterMembers, memberNames } from "./topology";

export const CONFIG_NAMESPACE = "pgstack";

/** Every key of the `pgstack:` namespace; anything else there is a typo worth reporting. */
export const CONFIG_KEYS = [
  "replicas", "syncReplicas", "bindAddress", "ports", "images", "memory", "cpus", "pgbouncer",
  "backup", "database", "appUser", "postgresql", "protectData", "primaryMember", "verifyTrigger", "restore",
  "monitoring", "tls", "hosts", "placement",
] as const;

/** Largest replica count: replica names and host ports stay one digit wide and predictable. */
export const MAX_REPLICAS = 9;

/**
 * Roles pgstack creates or names, and why each is off limits to `appUser`: the application role
 * would otherwise take over (or be granted into) what pgstack relies on.
 */
export const RESERVED_ROLES: ReadonlyMap<string, string> = new Map([
  ["postgres", "the superuser"],
  ["replicator", "pgstack's replication role"],
  ["pgstack_rewind", "a role pgstack creates at initdb with pg_rewind's function grants and grants to the replicator"],
  ["pgstack_stats", "pgstack's monitoring role (pg_monitor) and PgBouncer's stats user"],
  ["pgstack_backup", "the backup container's role (pg_read_all_data)"],
  ["pgstack_admin", "PgBouncer's admin console user"],
  ["pgbouncer", "PgBouncer's admin console"],
  ["pgstack_healthcheck", "the user the members' healthcheck names"],
  // Reserved by PostgreSQL itself: CREATE ROLE refuses them or they mean something else.
  ["public", "PostgreSQL's name for every role"],
  ["none", "reserved by PostgreSQL"],
  ["current_user", "reserved by PostgreSQL"],
  ["current_role", "reserved by PostgreSQL"],
  ["session_user", "reserved by PostgreSQL"],
]);

/** Databases pgstack or PgBouncer give a meaning of their own. */
export const RESERVED_DATABASES: ReadonlyMap<string, string> = new Map([
  ["postgres", "one of PostgreSQL's own databases (postgres, template0, template1)"],
  ["template0", "one of PostgreSQL's own databases (postgres, template0, template1)"],
  ["template1", "one of PostgreSQL's own databases (postgres, template0, template1)"],
  ["pgbouncer", "PgBouncer's admin console: clients asking for it reach the console, never the database"],
]);

/** Why `name` may not be the application role, or undefined when it may. */
export function reservedRoleReason(name: string): string | undefined {
  const known = RESERVED_ROLES.get(name);
  if (known) return `${name} is ${known}`;
  if (name.startsWith("pg_")) return "PostgreSQL reserves the pg_ prefix for its own roles";
  if (name.startsWith("pgstack_")) return "pgstack reserves the pgstack_ prefix for the roles it creates";
  return undefined;
}
const POOL_MODES: PoolMode[] = ["session", "transaction", "statement"];

/**
 * Collects problems as it reads, so a stack with several mistakes hears about all of them at once.
 */
class Reader {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly raw: Record<string, unknown>) {}

  value(key: string): unknown {
    return this.raw[key];
  }

  problem(key: string, value: unknown, message: string): void {
    this.problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, value, message });
  }

  integer(key: string, value: unknown, fallback: number, min: number, max: number): number {
    if (value === undefined || value === "") return fallback;
    const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problem(key, value, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined || value === "") return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.problem(key, value, "must be true or false");
    return fallback;
  }

  string(key: string, value: unknown, fallback: string): string {
    if (value === undefined) return fallback;
    if (typeof value !== "string") {
      this.problem(key, value, "must be a string");
      return fallback;
    }
    return value;
  }

  /** An object key: JSON text (as Pulumi passes it) or an object; unknown fields are reported. */
  object(key: string, fields: readonly string[]): Record<string, unknown> {
    let value = this.raw[key];
    if (value === undefined || value === "") return {};
    if (typeof value === "string") {
      try {
        value = JSON.parse(value);
      } catch {
        this.problem(key, value, `must be an object with fields ${fields.join(", ")}`);
        return {};
      }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problem(key, value, `must be an object with fields ${fields.join(", ")}`);
      return {};
    }
    const obj = value as Record<string, unknown>;
    for (const field of Object.keys(obj)) {
      if (!fields.includes(field)) this.problem(`${key}.${field}`, obj[field], `unknown field; allowed: ${fields.join(", ")}`);
    }
    return obj;
  }
}

function parseMemoryMb(r: Reader, value: unknown): number {
  if (value === undefined || value === "") return DEFAULTS.memoryMb;
  const allowed = "must be a size of at least 256 MiB: an integer number of MiB (2048) or a string such as \"512MiB\", \"2GiB\", \"2g\"";
  let mb: number | undefined;
  if (typeof value === "number") mb = value;
  else if (typeof value === "string") {
    const m = /^(\d+)\s*(m|mb|mib|g|gb|gib)?$/i.exec(value.trim());
    if (m) mb = Number(m[1]) * (m[2] && m[2].toLowerCase().startsWith("g") ? 1024 : 1);
  }
  if (mb === undefined || !Number.isInteger(mb) || mb < 256 || mb > 1024 * 1024) {
    r.problem("memory", value, allowed);
    return DEFAULTS.memoryMb;
  }
  return mb;
}

function parseCpus(r: Reader, value: unknown): number {
  if (value === undefined || value === "") return DEFAULTS.cpus;
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 0.1 && n <= 256)) {
    r.problem("cpus", value, "must be a number of CPUs from 0.1 to 256 (for example 1 or 1.5)");
    return DEFAULTS.cpus;
  }
  return n;
}

/** A Docker image reference with an explicit tag or digest; `latest` is refused (not reproducible). */
function parseImage(r: Reader, key: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  const ref = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
  if (typeof value !== "string" || !ref.test(value)) {
    r.problem(key, value, "must be a Docker image reference such as postgres:17.7-bookworm");
    return fallback;
  }
  const lastSegment = value.split("/").pop() as string;
  const hasDigest = value.includes("@sha256:");
  const tag = lastSegment.includes(":") ? lastSegment.split("@")[0].split(":")[1] : undefined;
  if (!hasDigest && (tag === undefined || tag === "latest")) {
    r.problem(key, value, "must be pinned to a version tag or digest (never latest), so every deploy runs the same binaries");
    return fallback;
  }
  return value;
}

function parseIdentifier(r: Reader, key: string, value: unknown, fallback: string, maxLength: number): string {
  const v = r.string(key, value, fallback);
  if (!new RegExp(`^[a-z_][a-z0-9_]{0,${maxLength - 1}}$`).test(v)) {
    r.problem(key, value, `must be a lower-case identifier: a letter or underscore, then letters, digits or underscores, at most ${maxLength} characters`);
    return fallback;
  }
  return v;
}

/**
 * pgstack:ports. On one host every published port must be distinct; on several, only the ports of
 * parts that share a host (checked with the placement, in parseStackConfig).
 */
function parsePorts(r: Reader, replicas: number, multiHost: boolean): StackSettings["ports"] {
  const obj = r.object("ports", ["primary", "replicaBase", "pgbouncer"]);
  const ports = {
    primary: r.integer("ports.primary", obj.primary, DEFAULTS.ports.primary, 1, 65535),
    replicaBase: r.integer("ports.replicaBase", obj.replicaBase, DEFAULTS.ports.replicaBase, 1, 65535),
    pgbouncer: r.integer("ports.pgbouncer", obj.pgbouncer, DEFAULTS.ports.pgbouncer, 1, 65535),
  };
  const lastReplica = ports.replicaBase + Math.max(replicas, 1) - 1;
  if (replicas > 0 && lastReplica > 65535) {
    r.problem("ports.replicaBase", ports.replicaBase, `with ${replicas} replicas the last replica port would be ${lastReplica}, above 65535`);
  }
  if (multiHost) return ports;
  const inReplicaRange = (p: number) => replicas > 0 && p >= ports.replicaBase && p <= lastReplica;
  const replicaRange = replicas === 1 ? `${ports.replicaBase}` : `${ports.replicaBase}-${lastReplica}`;
  if (ports.primary === ports.pgbouncer) {
    r.problem("ports.pgbouncer", ports.pgbouncer, "collides with pgstack:ports.primary; every published port must be distinct");
  }
  if (inReplicaRange(ports.primary)) {
    r.problem("ports.primary", ports.primary, `collides with the replica ports ${replicaRange} (pgstack:ports.replicaBase + 0..${replicas - 1})`);
  }
  if (inReplicaRange(ports.pgbouncer)) {
    r.problem("ports.pgbouncer", ports.pgbouncer, `collides with the replica ports ${replicaRange} (pgstack:ports.replicaBase + 0..${replicas - 1})`);
  }
  return ports;
}

function parsePgbouncer(r: Reader, maxConnections: number): StackSettings["pgbouncer"] {
  const obj = r.object("pgbouncer", ["poolMode", "defaultPoolSize", "maxClientConn", "minPoolSize"]);
  let poolMode = DEFAULTS.pgbouncer.poolMode;
  if (obj.poolMode !== undefined) {
    if (POOL_MODES.includes(obj.poolMode as PoolMode)) poolMode = obj.poolMode as PoolMode;
    else r.problem("pgbouncer.poolMode", obj.poolMode, `must be one of ${POOL_MODES.join(", ")}`);
  }
  // Server connections must fit under max_connections with room for the superuser, walsenders and backups.
  const poolCeiling = Math.max(1, maxConnections - 10);
  const defaultPoolSize = r.integer("pgbouncer.defaultPoolSize", obj.defaultPoolSize, DEFAULTS.pgbouncer.defaultPoolSize, 1, poolCeiling);
  const maxClientConn = r.integer("pgbouncer.maxClientConn", obj.maxClientConn, DEFAULTS.pgbouncer.maxClientConn, 1, 100_000);
  const minPoolSize = r.integer("pgbouncer.minPoolSize", obj.minPoolSize, DEFAULTS.pgbouncer.minPoolSize, 0, defaultPoolSize);
  return { poolMode, defaultPoolSize, maxClientConn, minPoolSize };
}

function parseTls(r: Reader): StackSettings["tls"] {
  const obj = r.object("tls", ["validityHours", "earlyRenewalHours"]);
  const validityHours = r.integer("tls.validityHours", obj.validityHours, DEFAULTS.tls.validityHours, 1, 10 * 8760);
  const earlyRenewalHours = r.integer("tls.earlyRenewalHours", obj.earlyRenewalHours, DEFAULTS.tls.earlyRenewalHours, 0, 10 * 8760);
  if (earlyRenewalHours > validityHours) {
    r.problem("tls.earlyRenewalHours", obj.earlyRenewalHours, `must be at most pgstack:tls.validityHours (${validityHours}): otherwise every deploy issues new certificates`);
  }
  return { validityHours, earlyRenewalHours };
}

const BACKUP_FIELDS = [
  "schedule", "retentionDays", "baseBackupSchedule", "baseBackupKeep", "baseBackupMaxAgeDays", "drillSchedule",
  "archiveTimeoutSeconds", "hostPath",
] as const;

/** An absolute host path Docker can bind-mount, without `..` tricks. */
const HOST_PATH = /^\/[A-Za-z0-9._\/-]*$/;

function parseSchedule(r: Reader, key: string, value: unknown, fallback: string): string {
  const schedule = r.string(key, value, fallback);
  try {
    parseCron(schedule);
  } catch (err) {
    r.problem(key, value, `not a cron expression: ${(err as Error).message}`);
    return fallback;
  }
  return schedule;
}

function parseBackup(r: Reader): StackSettings["backup"] {
  const obj = r.object("backup", BACKUP_FIELDS);
  const d = DEFAULTS.backup;
  const hostPath = r.string("backup.hostPath", obj.hostPath, d.hostPath);
  if (hostPath !== "" && (!HOST_PATH.test(hostPath) || hostPath.split("/").includes(".."))) {
    r.problem("backup.hostPath", obj.hostPath, "must be an absolute host directory such as /srv/pgstack-backups, or empty for the <stack>-backups volume");
  }
  return {
    schedule: parseSchedule(r, "backup.schedule", obj.schedule, d.schedule),
    retentionDays: r.integer("backup.retentionDays", obj.retentionDays, d.retentionDays, 1, 3650),
    baseBackupSchedule: parseSchedule(r, "backup.baseBackupSchedule", obj.baseBackupSchedule, d.baseBackupSchedule),
    baseBackupKeep: r.integer("backup.baseBackupKeep", obj.baseBackupKeep, d.baseBackupKeep, 1, 100),
    baseBackupMaxAgeDays: r.integer("backup.baseBackupMaxAgeDays", obj.baseBackupMaxAgeDays, d.baseBackupMaxAgeDays, 1, 3650),
    drillSchedule: parseSchedule(r, "backup.drillSchedule", obj.drillSchedule, d.drillSchedule),
    archiveTimeoutSeconds: r.integer("backup.archiveTimeoutSeconds", obj.archiveTimeoutSeconds, d.archiveTimeoutSeconds, 10, 3600),
    hostPath,
  };
}

const MONITORING_FIELDS = ["enabled", "ports", "maxLagSeconds", "maxLagBytes", "backupGraceMinutes", "maxClientWaitSeconds", "rulesFile"] as const;

/**
 * pgstack:monitoring. The exporters' host ports join the stack's port plan: with monitoring on,
 * each must differ from every other published port (members, PgBouncer, the other exporters).
 */
function parseMonitoring(r: Reader, s: Pick<StackSettings, "replicas" | "ports">): StackSettings["monitoring"] {
  const obj = r.object("monitoring", MONITORING_FIELDS);
  const d = DEFAULTS.monitoring;
  const portsValue = obj.ports;
  let portsObj: Record<string, unknown> = {};
  if (portsValue !== undefined) {
    if (typeof portsValue === "object" && portsValue !== null && !Array.isArray(portsValue)) {
      portsObj = portsValue as Record<string, unknown>;
      for (const field of Object.keys(portsObj)) {
        if (!["postgresExporterBase", "pgbouncerExporter"].includes(field)) {
          r.problem(`monitoring.ports.${field}`, portsObj[field], "unknown field; allowed: postgresExporterBase, pgbouncerExporter");
        }
      }
    } else {
      r.problem("monitoring.ports", portsValue, "must be an object with fields postgresExporterBase, pgbouncerExporter");
    }
  }
  const monitoring: StackSettings["monitoring"] = {
    enabled: r.boolean("monitoring.enabled", obj.enabled, d.enabled),
    ports: {
      postgresExporterBase: r.integer("monitoring.ports.postgresExporterBase", portsObj.postgresExporterBase, d.ports.postgresExporterBase, 1, 65535 - s.replicas),
      pgbouncerExporter: r.integer("monitoring.ports.pgbouncerExporter", portsObj.pgbouncerExporter, d.ports.pgbouncerExporter, 1, 65535),
    },
    maxLagSeconds: r.integer("monitoring.maxLagSeconds", obj.maxLagSeconds, d.maxLagSeconds, 1, 86_400),
    maxLagBytes: r.integer("monitoring.maxLagBytes", obj.maxLagBytes, d.maxLagBytes, 1024, Number.MAX_SAFE_INTEGER),
    backupGraceMinutes: r.integer("monitoring.backupGraceMinutes", obj.backupGraceMinutes, d.backupGraceMinutes, 0, 7 * 24 * 60),
    maxClientWaitSeconds: r.integer("monitoring.maxClientWaitSeconds", obj.maxClientWaitSeconds, d.maxClientWaitSeconds, 1, 3600),
    rulesFile: r.string("monitoring.rulesFile", obj.rulesFile, d.rulesFile),
  };
  if (monitoring.rulesFile !== "" && (!/^[A-Za-z0-9._\/-]+$/.test(monitoring.rulesFile) || monitoring.rulesFile.split("/").includes(".."))) {
    r.problem("monitoring.rulesFile", obj.rulesFile, "must be a file path such as /etc/prometheus/rules/pgstack.yml (letters, digits, . _ - /, no ..), or empty for .pgstack/<stack>/alert-rules.yml");
  }
  if (monitoring.enabled) {
    for (const clash of portCollisions(portPlan({ ...s, monitoring }))) {
      r.problem(clash.key, clash.port, `collides with ${clash.other} (host port ${clash.port}); every published port must be distinct`);
    }
  }
  return monitoring;
}

function parseRestore(r: Reader): StackSettings["restore"] {
  if (r.value("restore") === undefined || r.value("restore") === "") return undefined;
  const obj = r.object("restore", ["source", "targetTime", "dump"]);
  if (Object.keys(obj).length === 0) return undefined;
  const source = r.string("restore.source", obj.source, "");
  const isVolume = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(source);
  const isPath = HOST_PATH.test(source) && !source.split("/").includes("..");
  if (!isVolume && !isPath) {
    r.problem("restore.source", obj.source, "must name the backup storage to restore from: a Docker volume (such as production-backups) or an absolute host directory");
  }
  const restore: NonNullable<StackSettings["restore"]> = { source };
  if (obj.targetTime !== undefined) {
    const t = r.string("restore.targetTime", obj.targetTime, "");
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(t) || Number.isNaN(Date.parse(t))) {
      r.problem("restore.targetTime", obj.targetTime, "must be an ISO 8601 time with a time zone, such as 2026-11-23T10:15:00Z");
    } else {
      restore.targetTime = new Date(t).toISOString();
    }
  }
  if (obj.dump !== undefined) {
    const dump = r.string("restore.dump", obj.dump, "");
    if (dump !== "latest" && !/^dumps\/[a-z_][a-z0-9_]*\/[A-Za-z0-9_.-]+\.dump$/.test(dump)) {
      r.problem("restore.dump", obj.dump, "must be \"latest\" or a dump in the source such as dumps/app/app-20261123T030000Z.dump");
    } else {
      restore.dump = dump;
    }
    if (obj.targetTime !== undefined) {
      r.problem("restore.targetTime", obj.targetTime, "a logical restore (restore.dump) has no point in time; remove one of targetTime and dump");
    }
  }
  return restore;
}

function parsePostgresql(r: Reader, replicas: number, syncReplicas: number): Record<string, string> {
  let value = r.value("postgresql");
  if (value === undefined || value === "") return {};
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    r.problem("postgresql", r.value("postgresql"), "must be a map of PostgreSQL setting names to values, such as { work_mem: 16MB }");
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      r.problem(`postgresql.${name}`, v, "must be a string, number or boolean");
      continue;
    }
    const text = typeof v === "boolean" ? (v ? "on" : "off") : String(v);
    const refusal = refusePostgresqlSetting(name, text, { replicas, syncReplicas });
    if (refusal) r.problem(`postgresql.${name}`, v, refusal);
    else out[name] = text;
  }
  return out;
}

/**
 * Parses and validates the `pgstack:` stack config. `raw` maps full keys (`pgstack:replicas`) to
 * values as Pulumi hands them over (strings, objects as JSON text) or as YAML parsed them.
 * Throws a ConfigError naming every bad key, its value and what is allowed.
 */
export function parseStackConfig(raw: Record<string, unknown>, stack: string): StackSettings {
  const own: Record<string, unknown> = {};
  const r = new Reader(own);
  for (const [fullKey, value] of Object.entries(raw)) {
    const [ns, key] = fullKey.includes(":") ? [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)] : ["", fullKey];
    if (ns !== CONFIG_NAMESPACE) continue;
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      r.problem(key, value, `unknown key; pgstack's keys are ${CONFIG_KEYS.join(", ")}`);
      continue;
    }
    own[key] = value;
  }

  const replicas = r.integer("replicas", own.replicas, DEFAULTS.replicas, 0, MAX_REPLICAS);
  const syncReplicas = r.integer("syncReplicas", own.syncReplicas, DEFAULTS.syncReplicas, 0, MAX_REPLICAS);
  if (syncReplicas > replicas) {
    r.problem("syncReplicas", own.syncReplicas, `must be at most pgstack:replicas (${replicas}): a commit cannot wait for replicas that do not exist`);
  }

  const bindAddress = r.string("bindAddress", own.bindAddress, DEFAULTS.bindAddress);
  if (isIP(bindAddress) === 0) {
    r.problem("bindAddress", own.bindAddress, "must be an IP address of this host, such as 127.0.0.1 (local only) or 0.0.0.0 (every interface)");
  }

  const report = (key: string, value: unknown, message: string) => r.problem(key, value, message);
  // The default bindAddress is what the CLI hands over for a stack that never set it (Pulumi.yaml).
  const validBindAddress = isIP(bindAddress) === 0 ? DEFAULTS.bindAddress : bindAddress;
  const hosts = parseHosts(own.hosts, validBindAddress, validBindAddress !== DEFAULTS.bindAddress, report);
  const placement = parsePlacement(own.placement, hosts, replicas, report);

  const images = r.object("images", ["postgres", "pgbouncer", "postgresExporter", "pgbouncerExporter"]);
  const postgresql = parsePostgresql(r, replicas, Math.min(syncReplicas, replicas));
  const maxConnections = Number(postgresql.max_connections ?? 100);

  const settings: StackSettings = {
    stack,
    replicas,
    syncReplicas,
    bindAddress,
    hosts,
    placement,
    ports: parsePorts(r, replicas, hosts.length > 1),
    images: {
      postgres: parseImage(r, "images.postgres", images.postgres, DEFAULTS.images.postgres),
      pgbouncer: parseImage(r, "images.pgbouncer", images.pgbouncer, DEFAULTS.images.pgbouncer),
      postgresExporter: parseImage(r, "images.postgresExporter", images.postgresExporter, DEFAULTS.images.postgresExporter),
      pgbouncerExporter: parseImage(r, "images.pgbouncerExporter", images.pgbouncerExporter, DEFAULTS.images.pgbouncerExporter),
    },
    memoryMb: parseMemoryMb(r, own.memory),
    cpus: parseCpus(r, own.cpus),
    pgbouncer: parsePgbouncer(r, Number.isInteger(maxConnections) ? maxConnections : 100),
    backup: parseBackup(r),
    monitoring: DEFAULTS.monitoring,
    tls: parseTls(r),
    database: parseIdentifier(r, "database", own.database, DEFAULTS.database, 60),
    appUser: parseIdentifier(r, "appUser", own.appUser, DEFAULTS.appUser, 63),
    postgresql,
    protectData: r.boolean("protectData", own.protectData, DEFAULTS.protectData),
    primaryMember: r.string("primaryMember", own.primaryMember, DEFAULTS.primaryMember),
    verifyTrigger: r.string("verifyTrigger", own.verifyTrigger, DEFAULTS.verifyTrigger),
  };
  const restore = parseRestore(r);
  if (restore) settings.restore = restore;
  settings.monitoring = parseMonitoring(r, settings);

  const reservedDatabase = RESERVED_DATABASES.get(settings.database);
  if (reservedDatabase) {
    r.problem("database", own.database, `must not be ${reservedDatabase}; choose another name, such as app`);
  }
  const roleReason = reservedRoleReason(settings.appUser);
  if (roleReason) {
    r.problem("appUser", own.appUser, `must not be a role pgstack or PostgreSQL reserves: ${roleReason}; choose another name, such as app (reserved: ${[...RESERVED_ROLES.keys()].join(", ")}, pg_*, pgstack_*)`);
  }
  const members = memberNames(replicas);
  if (!members.includes(settings.primaryMember)) {
    r.problem("primaryMember", own.primaryMember, `must name a member of this cluster: ${members.join(", ")}`);
  }
  if (isMultiHost(settings)) {
    const published = [
      ...clusterMembers(settings).map((m, i) => ({ part: m.name, port: m.hostPort, key: i === 0 ? "ports.primary" : "ports.replicaBase" })),
      { part: "pgbouncer", port: settings.ports.pgbouncer, key: "ports.pgbouncer" },
    ];
    for (const clash of hostPortClashes(settings, published)) r.problem(clash.key, clash.port, clash.message);
    // Not built for several hosts yet: refused, rather than half working.
    if (settings.monitoring.enabled) {
      r.problem("monitoring.enabled", true, "pgstack:monitoring runs on one Docker host only for now; a stack of several hosts (pgstack:hosts) must leave it off");
    }
    if (settings.restore) {
      r.problem("restore", own.restore, "a rebuild from backups (pgstack:restore) runs on one Docker host only for now: leave pgstack:hosts unset (one host) for a rebuild");
    }
  }
  checkSynchronousPlacement(settings, report);
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(stack)) {
    r.problem("(stack name)", stack, "stack names prefix container and volume names: use lower-case letters, digits, '-', '_' or '.'");
  }

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return settings;
}
