import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { files } from "../config/containerPaths";
import {
  chooseNewPrimary,
  FENCE_MARKER,
  lsnToBigInt,
  renderFenceMarker,
  repointConninfo,
  repointPgbouncer,
  setStackConfigValue,
} from "../config/failover";
import { conninfoTarget, fenceDecision, memberAt } from "../config/failoverHosts";
import { parseStackConfig } from "../config/parseStackConfig";
import { engineOf, hostOf, isMultiHost, peerEndpoint, type DockerEngine } from "../config/placement";
import type { StackSettings } from "../config/settings";
import { memberNames, names, slotNameFor } from "../config/topology";
import { docker, dockerRaw, psqlIn, readIn, writeIn, type DockerOptions } from "./lib/docker";

/**
 * Promotes the most advanced replica of a stack whose primary failed, in one command:
 *
 *   npm run failover -- --stack <stack> [--to <member>] [--force] [--no-config]
 *
 * 1. fences the old primary first (restart policy off, stopped, a fence marker in its volume), so
 *    it can never come back as a second primary; 2. promotes the replica holding the most WAL;
 * 3. creates the other members' slots on it; 4. points the other replicas and PgBouncer at it
 * (backups find the writable member by themselves); 5. records `pgstack:primaryMember` in the
 * stack's config, so the next `pulumi up` converges on the new topology instead of undoing it.
 *
 * On several Docker hosts (pgstack:hosts in the stack's config) each member is reached through its
 * host's engine, and the standbys and PgBouncer are pointed at the new primary's host address and
 * published port. When the old primary's host does not answer, it cannot be fenced: the command says
 * so and promotes only with --force, after saying what that risks.
 */

interface Options {
  stack: string;
  to?: string;
  force: boolean;
  updateConfig: boolean;
  configFile?: string;
}

interface MemberContainer {
  member: string;
  container: string;
  running: boolean;
  /** Its host (pgstack:hosts) and that host's engine; on one host, the environment's engine. */
  hostName: string;
  engine: DockerEngine;
  engineAnswers: boolean;
}

const on = (engine: DockerEngine): DockerOptions => ({ ...(engine.host ? { host: engine.host } : {}), ...(engine.certPath ? { certPath: engine.certPath } : {}) });

interface MemberState extends MemberContainer {
  reachable: boolean;
  inRecovery?: boolean;
  receiveLsn: string | null;
  replayLsn: string | null;
  upstream?: string;
}

const say = (text: string) => console.log(`failover: ${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv: string[]): Options {
  const opts: Options = { stack: "", force: false, updateConfig: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack") opts.stack = argv[++i];
    else if (a === "--to") opts.to = argv[++i];
    else if (a === "--force") opts.force = true;
    else if (a === "--no-config") opts.updateConfig = false;
    else if (a === "--config-file") opts.configFile = argv[++i];
    else throw new Error(`unknown argument ${a}; usage: failover --stack <stack> [--to <member>] [--force] [--no-config] [--config-file <Pulumi.stack.yaml>]`);
  }
  if (!opts.stack) throw new Error("--stack is required (the Pulumi stack whose primary failed)");
  return opts;
}

async function listOn(stack: string, engine: DockerEngine, hostName: string): Promise<MemberContainer[]> {
  const out = await docker(["ps", "-a", "--filter", `label=pgstack.stack=${stack}`, "--format", '{{.Names}}\t{{.Label "pgstack.part"}}\t{{.State}}'], on(engine));
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"))
    .filter(([, part]) => /^(primary|replica-\d+)$/.test(part))
    .map(([container, member, state]) => ({ member, container, running: state === "running", hostName, engine, engineAnswers: true }));
}

const byMember = (a: MemberContainer, b: MemberContainer) => a.member.localeCompare(b.member, undefined, { numeric: true });

/**
 * The stack's members and their containers. One host: what the environment's engine runs. Several:
 * each member on its host's engine; a host whose engine does not answer within 10 s lists its
 * members as unreachable.
 */
async function listMembers(stack: string, s: StackSettings | undefined): Promise<MemberContainer[]> {
  if (!s || !isMultiHost(s)) return (await listOn(stack, {}, "local")).sort(byMember);
  const found: MemberContainer[] = [];
  for (const h of s.hosts) {
    const placed = memberNames(s.replicas).filter((m) => hostOf(s, m).name === h.name);
    if (placed.length === 0) continue;
    const engine = engineOf(s, placed[0]);
    const answers = (await dockerRaw(["version", "--format", "{{.Server.Version}}"], { ...on(engine), timeoutMs: 10_000 })).code === 0;
    say(`host ${h.name} (${engine.host ?? "the environment's engine"}): ${answers ? "answers" : "DOES NOT ANSWER"}; runs ${placed.join(", ")}`);
    if (answers) found.push(...(await listOn(stack, engine, h.name)).filter((c) => placed.includes(c.member)));
    else found.push(...placed.map((member) => ({ member, container: names.container(stack, member), running: false, hostName: h.name, engine, engineAnswers: false })));
  }
  return found.sort(byMember);
}

/** The stack's settings from its config file (or `pulumi config`), when they can be read: on several hosts the failover needs them. */
function stackSettings(opts: Options): StackSettings | undefined {
  const file = opts.configFile ?? `Pulumi.${opts.stack}.yaml`;
  let config: Record<string, unknown> | undefined;
  if (existsSync(file)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require("js-yaml") as typeof import("js-yaml");
    config = ((yaml.load(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined)?.config ?? {}) as Record<string, unknown>;
  } else if (commandExists("pulumi")) {
    try {
      const out = execFileSync("pulumi", ["config", "--json", "--stack", opts.stack], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      config = Object.fromEntries(Object.entries(JSON.parse(out) as Record<string, { value?: unknown }>).map(([k, v]) => [k, v.value]));
    } catch {
      config = undefined;
    }
  }
  if (!config) return undefined;
  const plain = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" || v === undefined ? v : JSON.stringify(v)]));
  try {
    return parseStackConfig(plain, opts.stack);
  } catch (err) {
    // A one-host stack fails over from what its engine shows, as it always did; a stack of several
    // hosts cannot without knowing them.
    if (plain["pgstack:hosts"] === undefined) return undefined;
    throw new Error(`the stack config names several hosts but does not parse, so their engines are unknown: ${(err as Error).message}`);
  }
}

/** The stack's settings for this run (set by failover()): the member lookups need the hosts. */
let settingsInUse: StackSettings | undefined;

async function memberState(m: MemberContainer): Promise<MemberState> {
  if (!m.running) return { ...m, reachable: false, receiveLsn: null, replayLsn: null };
  try {
    const [row] = await psqlIn(
      m.container,
      "select pg_is_in_recovery(), pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(), (select setting from pg_settings where name = 'primary_conninfo')",
      10_000,
      on(m.engine),
    );
    const target = conninfoTarget(row[3] ?? "");
    // On several hosts a standby names its upstream by host address and port: the member there.
    const upstream = target.host && settingsInUse ? (memberAt(settingsInUse, target.host, target.port) ?? target.host) : target.host;
    return { ...m, reachable: true, inRecovery: row[0] === "t", receiveLsn: row[1] || null, replayLsn: row[2] || null, upstream };
  } catch {
    return { ...m, reachable: false, receiveLsn: null, replayLsn: null };
  }
}

/** Stops the old primary and keeps Docker from restarting it. */
async function stopOldPrimary(old: MemberContainer | undefined, oldName: string): Promise<void> {
  if (!old) {
    say(`old primary ${oldName} has no container; nothing to stop`);
    return;
  }
  await docker(["update", "--restart=no", old.container], on(old.engine));
  if (old.running) {
    say(`stopping ${old.container} (it still runs)`);
    await docker(["stop", "-t", "60", old.container], { ...on(old.engine), timeoutMs: 120_000 });
  }
}

/** Leaves a marker in the old primary's volume: when it starts again it rejoins or stays fenced. */
async function writeFenceMarker(old: MemberContainer | undefined, newPrimary: string, newPrimaryAt?: { host: string; port: number }): Promise<void> {
  if (!old) return;
  const dir = mkdtempSync(path.join(tmpdir(), "pgstack-fence-"));
  const marker = path.join(dir, "pgstack.fence");
  writeFileSync(marker, renderFenceMarker({ newPrimary, newPrimaryAt, fencedAt: new Date().toISOString(), reason: `failover to ${newPrimary}` }));
  await docker(["cp", marker, `${old.container}:${FENCE_MARKER}`], on(old.engine));
  say(`fenced ${old.container}: restart policy off, stopped, marker ${FENCE_MARKER} names ${newPrimary}`);
}

async function waitForReplay(candidates: MemberState[], timeoutMs: number): Promise<MemberState[]> {
  const deadline = Date.now() + timeoutMs;
  let states = candidates;
  while (Date.now() < deadline) {
    states = await Promise.all(candidates.map(memberState));
    const behind = states.filter((s) => s.reachable && s.receiveLsn && s.replayLsn && lsnToBigInt(s.replayLsn) < lsnToBigInt(s.receiveLsn));
    if (behind.length === 0) return states;
    await sleep(500);
  }
  return states;
}

async function updateStackConfig(opts: Options, newPrimary: string): Promise<void> {
  if (!opts.updateConfig) {
    say(`stack config not touched (--no-config); run: pulumi config set --stack ${opts.stack} primaryMember ${newPrimary}`);
    return;
  }
  const file = opts.configFile ?? `Pulumi.${opts.stack}.yaml`;
  const hasCli = !opts.configFile && commandExists("pulumi");
  if (hasCli) {
    execFileSync("pulumi", ["config", "set", "--stack", opts.stack, "primaryMember", newPrimary], { stdio: "inherit" });
    say(`recorded pgstack:primaryMember = ${newPrimary} with pulumi config set`);
  } else if (existsSync(file)) {
    writeFileSync(file, setStackConfigValue(readFileSync(file, "utf8"), "primaryMember", newPrimary));
    say(`recorded pgstack:primaryMember = ${newPrimary} in ${file}`);
  } else {
    say(`no Pulumi CLI and no ${file}: record it yourself: pulumi config set --stack ${opts.stack} primaryMember ${newPrimary}`);
  }
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function failover(opts: Options): Promise<{ oldPrimary: string; newPrimary: string; repointed: string[] }> {
  const started = Date.now();
  const s = stackSettings(opts);
  settingsInUse = s && isMultiHost(s) ? s : undefined;
  const members = await listMembers(opts.stack, s);
  if (members.length === 0) throw new Error(`no pgstack members found for stack ${opts.stack} (containers labelled pgstack.stack=${opts.stack})`);
  const states = await Promise.all(members.map(memberState));

  const writable = states.filter((s) => s.reachable && s.inRecovery === false);
  if (writable.length > 1) {
    throw new Error(`${writable.map((s) => s.member).join(" and ")} both accept writes: resolve that split brain by hand before anything else`);
  }
  const upstreams = new Set(states.filter((s) => s.inRecovery && s.upstream).map((s) => s.upstream as string));
  const oldName = writable[0]?.member ?? (upstreams.size === 1 ? [...upstreams][0] : undefined);
  if (!oldName) throw new Error(`cannot tell which member was the primary (replicas stream from: ${[...upstreams].join(", ") || "nobody"})`);
  if (writable.length === 1 && !opts.force) {
    throw new Error(`${oldName} is up and accepting writes. Failover is for a failed primary; for a planned switchover pass --force (${oldName} is stopped and fenced first).`);
  }

  const candidates = states.filter((s) => s.member !== oldName && s.reachable && s.inRecovery);
  if (candidates.length === 0) throw new Error(`no running replica to promote (members: ${states.map((s) => `${s.member} ${s.running ? "running" : "stopped"}`).join(", ")})`);
  if (opts.to && !candidates.some((c) => c.member === opts.to)) {
    throw new Error(`--to ${opts.to} is not a running replica; candidates: ${candidates.map((c) => c.member).join(", ")}`);
  }

  // Fence before promoting: once there is a new primary, the old one must already be unable to return.
  const oldContainer = members.find((m) => m.member === oldName);
  const decision = oldContainer ? fenceDecision({ member: oldName, container: oldContainer.container, host: oldContainer.hostName, docker: oldContainer.engine.host, engineAnswers: oldContainer.engineAnswers }, opts.force) : { kind: "fence" as const };
  if (decision.kind === "refuse") throw new Error(decision.message);
  if (decision.kind === "promote-unfenced") say(decision.warning);
  else await stopOldPrimary(oldContainer, oldName);
  const caughtUp = await waitForReplay(candidates, 30_000);
  const chosen = opts.to ? (caughtUp.find((c) => c.member === opts.to) as MemberState) : (caughtUp.find((c) => c.member === chooseNewPrimary(caughtUp).member) as MemberState);
  const newAt = settingsInUse ? peerEndpoint(settingsInUse, chosen.member) : undefined;
  if (decision.kind === "fence") await writeFenceMarker(oldContainer, chosen.member, newAt);
  say(`promoting ${chosen.member} (received ${chosen.receiveLsn ?? "-"}, replayed ${chosen.replayLsn ?? "-"})${newAt ? ` at ${newAt.host}:${newAt.port}` : ""}`);
  const [[promoted]] = await psqlIn(chosen.container, "select pg_promote(true, 60)", 90_000, on(chosen.engine));
  if (promoted !== "t") throw new Error(`pg_promote on ${chosen.member} did not finish within 60 s; check docker logs ${chosen.container}`);

  for (const m of members.filter((m) => m.member !== chosen.member)) {
    const slot = slotNameFor(m.member);
    await psqlIn(
      chosen.container,
      `select pg_create_physical_replication_slot('${slot}', true) where not exists (select 1 from pg_replication_slots where slot_name = '${slot}')`,
      30_000,
      on(chosen.engine),
    );
  }
  say(`slots ready on ${chosen.member} for ${members.filter((m) => m.member !== chosen.member).map((m) => m.member).join(", ")}`);

  const others = caughtUp.filter((c) => c.member !== chosen.member);
  for (const o of others) {
    for (const file of [files.postgresqlLive, files.postgresqlBootstrap]) {
      const exists = await dockerRaw(["exec", "-u", "postgres", o.container, "test", "-f", file], on(o.engine));
      const repointed = (conf: string) => (newAt ? repointConninfo(conf, newAt.host, newAt.port) : repointConninfo(conf, chosen.member));
      if (exists.code === 0) await writeIn(o.container, file, repointed(await readIn(o.container, file, "postgres", on(o.engine))), "postgres", on(o.engine));
    }
    await psqlIn(o.container, "select pg_reload_conf()", 30_000, on(o.engine));
  }
  const streaming = await waitForStreaming(chosen, others.map((o) => o.member), 60_000);
  say(`replicas following ${chosen.member}: ${streaming.join(", ") || "none"}`);

  const standbys = others.map((o) => o.member);
  const pgbouncer = `${opts.stack}-pgbouncer`;
  const bouncer = settingsInUse ? on(engineOf(settingsInUse, "pgbouncer")) : {};
  if ((await dockerRaw(["inspect", pgbouncer], { ...bouncer, timeoutMs: 10_000 })).code === 0) {
    const target = (m: string) => (settingsInUse ? peerEndpoint(settingsInUse, m) : m);
    await writeIn(pgbouncer, files.pgbouncerLive, repointPgbouncer(await readIn(pgbouncer, files.pgbouncerLive, "postgres", bouncer), target(chosen.member), standbys.map(target)), "postgres", bouncer);
    await docker(["exec", "-u", "postgres", pgbouncer, "kill", "-HUP", "1"], bouncer);
    say(`PgBouncer now sends writes to ${chosen.member} and reads to ${standbys.join(", ") || chosen.member}`);
  } else if (settingsInUse) {
    const direct = peerEndpoint(settingsInUse, chosen.member);
    say(
      `PgBouncer (${pgbouncer} on host ${hostOf(settingsInUse, "pgbouncer").name}) does not answer: it is down with its host; until that host is back, ` +
        `clients reach the new primary directly at ${direct.host}:${direct.port} (moving PgBouncer takes a deploy, and a deploy needs every host's engine to answer)`,
    );
  }
  say("backups follow by themselves: they connect to whichever member accepts writes");

  await updateStackConfig(opts, chosen.member);
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${chosen.member} is the primary; ${oldName} stays fenced until it rejoins as a replica (start its container, or run pulumi up)`);
  return { oldPrimary: oldName, newPrimary: chosen.member, repointed: streaming };
}

async function waitForStreaming(primary: MemberContainer, expected: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let streaming: string[] = [];
  while (Date.now() < deadline) {
    const rows = await psqlIn(primary.container, "select application_name from pg_stat_replication where state = 'streaming'", 30_000, on(primary.engine));
    streaming = rows.map((r) => r[0]).filter((n) => expected.includes(n));
    if (streaming.length === expected.length) break;
    await sleep(500);
  }
  return streaming.sort();
}

if (require.main === module) {
  failover(parseArgs(process.argv.slice(2))).catch((err: Error) => {
    console.error(`failover: ${err.message}`);
    process.exit(1);
  });
}
