import { paths } from "../../../config/containerPaths";
import { FENCE_MARKER } from "../../../config/failover";
import { memberNames } from "../../../config/topology";
import { dockerRaw, psqlIn, psqlRecordsIn, readIn } from "../docker";
import { judge } from "./judge";
import type { BackupStatus, ClusterStatus, MemberStatus, PgbouncerStatus, StackContainer, Thresholds } from "./model";
import {
  ARCHIVER_SQL,
  MEMBER_SQL,
  parseArchiverRow,
  parseContainerList,
  parseKeyValues,
  parseManifest,
  parseMemberRow,
  parsePools,
  parseReplicationRows,
  parseSlotRows,
  parseStats,
  REPLICATION_SQL,
  singleFileFromTar,
  SLOTS_SQL,
  type WalSender,
} from "./queries";

// Reads a running cluster through Docker: containers by their pgstack.stack label on each Docker
// host, PostgreSQL through `docker exec psql` as postgres over each member's socket (peer
// authentication), PgBouncer through its own socket, backups from the backup container's
// manifest. No password anywhere; nothing read from Pulumi's state.

export interface CollectOptions {
  stack: string;
  /** Docker engines to look on (DOCKER_HOST values); undefined = the environment's default. */
  hosts: (string | undefined)[];
  /** Members the stack's settings expect (from its config file); found containers are added. */
  expectedMembers?: string[];
  thresholds: Thresholds;
  settingsFrom: string;
  /** Bound on each `docker exec`. */
  timeoutMs?: number;
  /** A line per step, for people (the CLI prints them on stderr). */
  progress?: (line: string) => void;
  now?: () => Date;
}

const MEMBER_PART = /^(primary|replica-\d+)$/;
const EXPORTER_PART = /-exporter$/;
const hostName = (host: string | undefined) => host ?? "default";

/** Every container of the stack on every host, with health and start time. */
async function listContainers(stack: string, hosts: (string | undefined)[], timeoutMs: number) {
  const containers: StackContainer[] = [];
  const unreachable: { host: string; error: string }[] = [];
  await Promise.all(
    hosts.map(async (host) => {
      const ps = await dockerRaw(["ps", "-a", "--filter", `label=pgstack.stack=${stack}`, "--format", '{{.Names}}\t{{.Label "pgstack.part"}}\t{{.State}}'], { host, timeoutMs });
      if (ps.code !== 0) {
        unreachable.push({ host: hostName(host), error: (ps.stderr || ps.stdout).trim().split("\n")[0] });
        return;
      }
      const listed = parseContainerList(ps.stdout, host);
      if (listed.length === 0) return;
      const inspect = await dockerRaw(["inspect", "--format", '{{.Name}}\t{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}\t{{.State.StartedAt}}', ...listed.map((c) => c.name)], { host, timeoutMs });
      const details = new Map(
        inspect.stdout
          .split("\n")
          .filter(Boolean)
          .map((line) => line.split("\t"))
          .map(([name, health, startedAt]) => [name.replace(/^\//, ""), { health, startedAt }]),
      );
      for (const c of listed) containers.push({ ...c, health: details.get(c.name)?.health ?? "none", startedAt: details.get(c.name)?.startedAt });
    }),
  );
  return { containers, unreachable };
}

/** The fence marker in a member's volume, if a failover left one; readable when stopped too. */
async function readFence(c: StackContainer, timeoutMs: number): Promise<Record<string, string> | undefined> {
  const r = await dockerRaw(["cp", `${c.name}:${FENCE_MARKER}`, "-"], { host: c.host, timeoutMs });
  if (r.code !== 0) return undefined;
  try {
    return parseKeyValues(singleFileFromTar(Buffer.from(r.stdout, "utf8")));
  } catch {
    return { reason: "unreadable fence marker" };
  }
}

async function memberStatus(member: string, c: StackContainer | undefined, timeoutMs: number): Promise<MemberStatus> {
  const base: MemberStatus = { member, container: c?.name, host: c?.host, role: "missing", containerState: c?.state ?? "absent", health: c?.health ?? "none", pendingRestart: [] };
  if (!c) return base;
  const fence = await readFence(c, timeoutMs);
  if (c.state !== "running") return { ...base, role: fence ? "fenced" : "stopped", fence };
  try {
    const [row] = await psqlIn(c.name, MEMBER_SQL, timeoutMs, { host: c.host });
    const r = parseMemberRow(row);
    return {
      ...base,
      role: fence ? "fenced" : r.inRecovery ? "replica" : "primary",
      fence,
      timeline: r.timeline,
      lsn: r.lsn,
      receiveLsn: r.receiveLsn,
      upstream: r.inRecovery ? r.upstream : undefined,
      receiverStatus: r.receiverStatus,
      lagSeconds: r.inRecovery ? r.lagSeconds : undefined,
      lagBytes: r.inRecovery ? r.receivedNotReplayedBytes : undefined,
      uptimeSeconds: r.uptimeSeconds,
      pendingRestart: r.pendingRestart,
    };
  } catch (err) {
    return { ...base, role: fence ? "fenced" : "unreachable", fence, error: firstLine((err as Error).message) };
  }
}

const firstLine = (text: string) => {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /error|FATAL|No such|not running/i.test(l)) ?? lines[0] ?? "").replace(/^docker .* failed \(exit \d+\): /, "").slice(0, 200);
};

async function pgbouncerStatus(c: StackContainer, timeoutMs: number): Promise<PgbouncerStatus> {
  const status: PgbouncerStatus = { container: c.name, containerState: c.state, health: c.health, reachable: false, pools: [], stats: [] };
  if (c.state !== "running") return { ...status, error: `container ${c.state}` };
  // PgBouncer lets the OS user it runs as log in as `pgbouncer` over its own socket without a
  // password: peer authentication by uid, no password on any command line.
  const target = { host: c.host, socketDir: "/tmp", port: 6432, database: "pgbouncer", user: "pgbouncer" };
  try {
    const [pools, stats] = await Promise.all([psqlRecordsIn(c.name, "SHOW POOLS", timeoutMs, target), psqlRecordsIn(c.name, "SHOW STATS", timeoutMs, target)]);
    return { ...status, reachable: true, pools: parsePools(pools), stats: parseStats(stats) };
  } catch (err) {
    return { ...status, error: firstLine((err as Error).message) };
  }
}

async function backupStatus(c: StackContainer, timeoutMs: number): Promise<BackupStatus> {
  const status: BackupStatus = { container: c.name, containerState: c.state, health: c.health };
  if (c.state !== "running") return { ...status, error: `container ${c.state}` };
  try {
    const [manifest, marker] = await Promise.all([
      readIn(c.name, `${paths.backups}/manifest.json`, "postgres", { host: c.host, timeoutMs }),
      readIn(c.name, `${paths.backups}/.pgstack-backups`, "postgres", { host: c.host, timeoutMs }).catch(() => ""),
    ]);
    // `created=<time> by=<role>`, one line, written once by the first container to mount it.
    const created = /\bcreated=(\S+)/.exec(marker)?.[1];
    return { ...status, manifest: parseManifest(manifest), storageCreatedAt: created && !Number.isNaN(Date.parse(created)) ? new Date(created).toISOString() : undefined };
  } catch (err) {
    return { ...status, error: firstLine((err as Error).message) };
  }
}

/** Walsender facts onto each replica's row, by application_name (= member name). */
function withReplication(members: MemberStatus[], senders: WalSender[]): MemberStatus[] {
  return members.map((m) => {
    if (m.role !== "replica") return m;
    const sender = senders.find((s) => s.applicationName === m.member);
    if (!sender) return { ...m, walSenderState: undefined };
    return { ...m, walSenderState: sender.state, syncState: sender.syncState, lagBytes: sender.lagBytes ?? m.lagBytes };
  });
}

/** Reads the whole cluster once and judges it. Never throws for a cluster problem: that is the answer. */
export async function collectStatus(o: CollectOptions): Promise<ClusterStatus> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const say = o.progress ?? (() => undefined);
  const hosts = o.hosts.length > 0 ? o.hosts : [undefined];
  say(`listing containers labelled pgstack.stack=${o.stack} on ${hosts.map(hostName).join(", ")}`);
  const { containers, unreachable } = await listContainers(o.stack, hosts, timeoutMs);
  const byPart = (part: string) => containers.find((c) => c.part === part);

  const found = containers.map((c) => c.part).filter((p) => MEMBER_PART.test(p));
  const expected = o.expectedMembers ?? memberNames(0);
  const members = [...new Set([...expected, ...found])].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  say(`reading ${members.length} member(s): ${members.join(", ")}`);
  let memberStates = await Promise.all(members.map((m) => memberStatus(m, byPart(m), timeoutMs)));

  const primaries = memberStates.filter((m) => m.role === "primary");
  const primary = primaries.length === 1 ? primaries[0] : undefined;
  let slots: ClusterStatus["slots"];
  let archiver: ClusterStatus["archiver"];
  if (primary?.container) {
    say(`reading replication, slots and archiving on ${primary.member}`);
    const target = { host: primary.host };
    try {
      const [replication, slotRows, archiverRows] = await Promise.all([
        psqlIn(primary.container, REPLICATION_SQL, timeoutMs, target),
        psqlIn(primary.container, SLOTS_SQL, timeoutMs, target),
        psqlIn(primary.container, ARCHIVER_SQL, timeoutMs, target),
      ]);
      memberStates = withReplication(memberStates, parseReplicationRows(replication));
      slots = parseSlotRows(slotRows);
      archiver = archiverRows[0] ? parseArchiverRow(archiverRows[0]) : undefined;
    } catch (err) {
      primary.error = `replication views unreadable: ${firstLine((err as Error).message)}`;
    }
  }

  const pgbouncerContainer = byPart("pgbouncer");
  const backupContainer = byPart("backup");
  say("reading PgBouncer's pools and the backup manifest");
  const [pgbouncer, backups] = await Promise.all([
    pgbouncerContainer ? pgbouncerStatus(pgbouncerContainer, timeoutMs) : undefined,
    backupContainer ? backupStatus(backupContainer, timeoutMs) : undefined,
  ]);

  const status: Omit<ClusterStatus, "verdict"> = {
    stack: o.stack,
    checkedAt: (o.now ?? (() => new Date()))().toISOString(),
    hosts: hosts.map(hostName),
    settingsFrom: o.settingsFrom,
    unreachableHosts: unreachable,
    members: memberStates,
    primary: primary?.member,
    slots,
    archiver,
    pgbouncer:
      pgbouncer ??
      (containers.length > 0 ? { container: `${o.stack}-pgbouncer`, containerState: "absent", health: "none", reachable: false, error: "no container", pools: [], stats: [] } : undefined),
    backups: backups ?? (containers.length > 0 ? { container: `${o.stack}-backup`, containerState: "absent", health: "none", error: "no container" } : undefined),
    exporters: containers.filter((c) => EXPORTER_PART.test(c.part)).map((c) => ({ part: c.part, state: c.state, health: c.health })).sort((a, b) => a.part.localeCompare(b.part, undefined, { numeric: true })),
    thresholds: o.thresholds,
  };
  return { ...status, verdict: judge(status, new Date(status.checkedAt)) };
}
