import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import {
  checkConnectionInputs,
  endpointOf,
  ENDPOINT_FIELDS,
  TIMEOUT_FIELDS,
  withClient,
  type ConnectionArgs,
  type ConnectionInputs,
  type InputFailure,
} from "./connection";
import { changedKeys } from "./diffing";
import { probeRole, type MemberEndpoint } from "./memberRole";
import { isUnknown } from "./preview";
import { withSecretOutputs } from "./resourceOptions";
import { slotNameProblem } from "./slotName";

export { slotNameProblem };

/** Provider inputs: the connection fields (of the primary) plus the slot. */
export interface ReplicationSlotInputs extends ConnectionInputs {
  slotName: string;
  /** How long `delete` waits for an active slot's walsender to go away; default 60. */
  deleteTimeoutSeconds?: number;
  /**
   * Every member of the cluster. A slot is deleted wherever the cluster's primary is when it is
   * deleted: after a failover that is no longer the server it was created on (which may be fenced
   * and down), so `delete` asks each member which one is the primary.
   */
  clusterMembers?: MemberEndpoint[];
}

export interface ReplicationSlotOutputs extends ReplicationSlotInputs {
  /** A walsender is using the slot right now. */
  active: boolean;
  restartLsn: string | null;
  /** reserved / extended / unreserved / lost; null before WAL is reserved. */
  walStatus: string | null;
  /** WAL the slot holds back: current (or, on a standby, last received) LSN minus restart_lsn. */
  retainedBytes: number | null;
  /** True when create found the slot already there and took it over. */
  adopted: boolean;
}

const DEFAULT_DELETE_TIMEOUT_SECONDS = 60;
const DELETE_POLL_MS = 500;

/** `check` failures for the slot fields; unknown (preview) values are not judged. */
export function checkSlotInputs(news: Record<string, unknown>): InputFailure[] {
  const failures: InputFailure[] = [];
  if (news.slotName === undefined) failures.push({ property: "slotName", reason: "slotName is required" });
  else if (!isUnknown(news.slotName)) {
    const problem = slotNameProblem(news.slotName);
    if (problem) failures.push({ property: "slotName", reason: problem });
  }
  const members = news.clusterMembers;
  if (members !== undefined && !isUnknown(members)) {
    const ok =
      Array.isArray(members) &&
      members.every((m: Record<string, unknown>) => isUnknown(m) || (m && typeof m.name === "string" && typeof m.host === "string" && Number.isInteger(m.port)));
    if (!ok) failures.push({ property: "clusterMembers", reason: "clusterMembers must be a list of { name, host, port }" });
  }
  const timeout = news.deleteTimeoutSeconds;
  if (timeout !== undefined && !isUnknown(timeout) && (typeof timeout !== "number" || !(timeout >= 0))) {
    failures.push({ property: "deleteTimeoutSeconds", reason: `deleteTimeoutSeconds must be a number >= 0, got ${JSON.stringify(timeout)}` });
  }
  return failures;
}

const SLOT_DEFAULTS = { database: "postgres", deleteTimeoutSeconds: DEFAULT_DELETE_TIMEOUT_SECONDS, clusterMembers: [] };

/**
 * A new slotName replaces the slot (old and new names can coexist, so the new one is created
 * first); a new endpoint or identity is an update that ensures the slot there (after a failover
 * the primary moved); timeouts and the member list are updates that do not touch the server.
 */
export function diffSlot(olds: Partial<ReplicationSlotOutputs>, news: Partial<ReplicationSlotInputs>): pulumi.dynamic.DiffResult {
  const changed = changedKeys(olds, news, ["slotName", ...ENDPOINT_FIELDS, ...TIMEOUT_FIELDS, "deleteTimeoutSeconds", "clusterMembers"], SLOT_DEFAULTS);
  return { changes: changed.length > 0, replaces: changed.includes("slotName") ? ["slotName"] : [], deleteBeforeReplace: false };
}

/** Whether an update must ensure the slot on the (possibly new) server. */
export function slotUpdateTouchesServer(olds: Partial<ReplicationSlotOutputs>, news: Partial<ReplicationSlotInputs>): boolean {
  return changedKeys(olds, news, [...ENDPOINT_FIELDS], SLOT_DEFAULTS).length > 0;
}

interface SlotState {
  slotType: string;
  active: boolean;
  activePid: number | null;
  restartLsn: string | null;
  walStatus: string | null;
  retainedBytes: number | null;
}

async function readSlot(client: Client, slotName: string): Promise<SlotState | undefined> {
  // pg_current_wal_lsn() fails on a standby; there the last received LSN is the reference.
  const result = await client.query(
    `SELECT slot_type, active, active_pid, restart_lsn::text AS restart_lsn, wal_status,
            pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END,
                            restart_lsn)::float8 AS retained_bytes
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slotName],
  );
  if (result.rows.length === 0) return undefined;
  const row = result.rows[0];
  return {
    slotType: row.slot_type,
    active: row.active,
    activePid: row.active_pid,
    restartLsn: row.restart_lsn,
    walStatus: row.wal_status,
    retainedBytes: row.retained_bytes === null ? null : Number(row.retained_bytes),
  };
}

function slotOutputs(inputs: ReplicationSlotInputs, slot: SlotState, adopted: boolean): ReplicationSlotOutputs {
  return {
    ...inputs,
    active: slot.active,
    restartLsn: slot.restartLsn,
    walStatus: slot.walStatus,
    retainedBytes: slot.retainedBytes,
    adopted,
  };
}

function slotError(err: unknown, slotName: string, inputs: ConnectionInputs): Error {
  const e = err as { code?: string; message?: string };
  const hints: Record<string, string> = {
    "55000": "that server needs wal_level = replica (or logical) and max_replication_slots > 0",
    "53400": "all replication slots are in use: raise max_replication_slots or drop unused slots",
    "42501": `the provider connects as "${inputs.user}", which needs the REPLICATION attribute or superuser`,
  };
  const hint = e.code && hints[e.code] ? ` (${hints[e.code]})` : "";
  return Object.assign(new Error(`ReplicationSlot "${slotName}" on ${endpointOf(inputs)}: ${e.message ?? String(err)}${hint}`), {
    code: e.code,
  });
}

/** Adopts a physical slot of that name or creates one that reserves WAL at once. */
async function ensureSlot(client: Client, inputs: ReplicationSlotInputs): Promise<ReplicationSlotOutputs> {
  const name = inputs.slotName;
  const adoptable = (slot: SlotState | undefined) => {
    if (slot && slot.slotType !== "physical") {
      throw new Error(
        `a ${slot.slotType} slot named "${name}" already exists; a replica needs a physical slot. ` +
          `Choose another slotName or drop that slot (SELECT pg_drop_replication_slot('${name}')) if nothing uses it.`,
      );
    }
    return slot;
  };
  const existing = adoptable(await readSlot(client, name));
  if (existing) return slotOutputs(inputs, existing, true);
  try {
    // Reserve WAL now: an unreserved slot lets a concurrent base backup's checkpoint recycle the
    // segments a new replica still needs.
    await client.query("SELECT pg_create_physical_replication_slot($1, true)", [name]);
  } catch (err) {
    if ((err as { code?: string }).code !== "42710") throw err;
    const raced = adoptable(await readSlot(client, name));
    if (raced) return slotOutputs(inputs, raced, true);
    throw err;
  }
  const created = await readSlot(client, name);
  if (!created) throw new Error(`slot "${name}" is missing right after it was created`);
  return slotOutputs(inputs, created, false);
}

/** The failure when an active slot outlived the wait: whose walsender holds it and what to do. */
async function stillActiveMessage(client: Client, inputs: ReplicationSlotInputs, slot: SlotState, waitedSeconds: number): Promise<string> {
  let holder = `walsender pid ${slot.activePid ?? "unknown"}`;
  if (slot.activePid !== null) {
    const result = await client.query(
      "SELECT host(client_addr) AS client_addr, application_name, state FROM pg_stat_replication WHERE pid = $1",
      [slot.activePid],
    );
    const row = result.rows[0];
    if (row) {
      holder += ` (client ${row.client_addr ?? "local socket"}, application_name "${row.application_name}", state ${row.state})`;
    }
  }
  return (
    `Cannot drop replication slot "${inputs.slotName}" on ${endpointOf(inputs)}: it is still in use by ${holder} ` +
    `after waiting ${waitedSeconds} s (deleteTimeoutSeconds). Stop that replica first (e.g. docker stop <its container>), ` +
    `then delete again; pgstack never terminates a walsender on its own.`
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Manages one physical replication slot on the primary. Methods only call module-level functions
 * and load `pg` at run time, so the engine's serialized copy works in its own process.
 */
export class ReplicationSlotProvider implements pulumi.dynamic.ResourceProvider {
  /** Validates the inputs as the engine sends them: any shape, and placeholders during preview. */
  async check(_olds: Partial<ReplicationSlotInputs>, news: Partial<ReplicationSlotInputs>): Promise<pulumi.dynamic.CheckResult> {
    const bag = news as Record<string, unknown>;
    return { inputs: news, failures: [...checkConnectionInputs(bag), ...checkSlotInputs(bag)] };
  }

  async diff(_id: string, olds: ReplicationSlotOutputs, news: ReplicationSlotInputs): Promise<pulumi.dynamic.DiffResult> {
    return diffSlot(olds, news);
  }

  async create(inputs: ReplicationSlotInputs): Promise<pulumi.dynamic.CreateResult<ReplicationSlotOutputs>> {
    const outs = await withClient(inputs, (client) => ensureSlot(client, inputs).catch((err) => {
      throw slotError(err, inputs.slotName, inputs);
    }));
    return { id: inputs.slotName, outs };
  }

  async read(id: string, props: ReplicationSlotOutputs): Promise<pulumi.dynamic.ReadResult<ReplicationSlotOutputs>> {
    return withClient(props, async (client) => {
      const slot = await readSlot(client, props.slotName);
      // An empty id tells the engine the slot is gone.
      if (!slot) return { id: "", props: {} as ReplicationSlotOutputs };
      return { id, props: slotOutputs(props, slot, props.adopted ?? false) };
    });
  }

  /** Ensures the slot on a new endpoint; a change of timeouts only is recorded, not applied. */
  async update(_id: string, olds: ReplicationSlotOutputs, news: ReplicationSlotInputs): Promise<pulumi.dynamic.UpdateResult<ReplicationSlotOutputs>> {
    if (!slotUpdateTouchesServer(olds, news)) {
      return {
        outs: {
          ...news,
          active: olds.active,
          restartLsn: olds.restartLsn,
          walStatus: olds.walStatus,
          retainedBytes: olds.retainedBytes,
          adopted: olds.adopted,
        },
      };
    }
    const outs = await withClient(news, (client) => ensureSlot(client, news).catch((err) => {
      throw slotError(err, news.slotName, news);
    }));
    return { outs };
  }

  /**
   * Drops the slot so a removed replica does not pin WAL forever, on the cluster's current primary
   * (and on any other member that still has it from an earlier role). An active slot is waited for
   * (its replica may be stopping) up to deleteTimeoutSeconds, then refused, never forced. Refused
   * too when no member answers as the primary: then nobody can say the slot is gone.
   */
  async delete(_id: string, props: ReplicationSlotOutputs): Promise<void> {
    const servers = await slotServers(props);
    if (servers.primaries.length === 0) {
      throw new Error(
        `Cannot drop replication slot "${props.slotName}": no member of the cluster answers as the primary ` +
          `(asked ${servers.asked.join(", ")}). Start the primary and run the deploy again; if the cluster is gone for good, ` +
          "remove the slot from the stack's state (pulumi state delete <its URN>).",
      );
    }
    for (const server of servers.primaries) await dropWhenInactive(server, props);
    for (const server of servers.standbys) await dropLeftover(server, props.slotName);
  }
}

/**
 * The members to drop the slot on: the primaries and standbys that answer among the slot's own
 * server and the cluster's members. A slot recorded before clusterMembers existed has only its
 * own server, which is then used with its full connection timeout, as before.
 */
async function slotServers(props: ReplicationSlotOutputs): Promise<{ primaries: ConnectionInputs[]; standbys: ConnectionInputs[]; asked: string[] }> {
  const own: MemberEndpoint = { name: "(the slot's server)", host: props.host, port: props.port };
  const members = props.clusterMembers ?? [];
  if (members.length === 0) return { primaries: [props], standbys: [], asked: [endpointOf(props)] };
  const endpoints = [own, ...members.filter((m) => endpointOf(m) !== endpointOf(own))];
  const roles = await Promise.all(endpoints.map((m) => probeRole(m, props.user, props.password, props.caCertificate)));
  const at = (m: MemberEndpoint): ConnectionInputs => ({ ...props, host: m.host, port: m.port });
  return {
    primaries: endpoints.filter((_, i) => roles[i].role === "primary").map(at),
    standbys: endpoints.filter((_, i) => roles[i].role === "standby").map(at),
    asked: endpoints.map((m, i) => `${endpointOf(m)} ${roles[i].role}`),
  };
}

/** Drops the slot on the primary, waiting for its walsender to go away. */
async function dropWhenInactive(server: ConnectionInputs, props: ReplicationSlotOutputs): Promise<void> {
  const waitSeconds = props.deleteTimeoutSeconds ?? DEFAULT_DELETE_TIMEOUT_SECONDS;
  const deadline = Date.now() + waitSeconds * 1000;
  await withClient(server, async (client) => {
    for (;;) {
      const slot = await readSlot(client, props.slotName);
      if (!slot) return;
      if (slot.slotType !== "physical") {
        throw new Error(
          `ReplicationSlot "${props.slotName}" on ${endpointOf(server)}: the slot of that name is now a ${slot.slotType} slot, not the physical slot pgstack made; not dropping it`,
        );
      }
      if (!slot.active) {
        try {
          await client.query("SELECT pg_drop_replication_slot($1)", [props.slotName]);
          return;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === "42704") return; // dropped meanwhile
          if (code !== "55006") throw slotError(err, props.slotName, server); // 55006: became active again
        }
      } else if (Date.now() >= deadline) {
        throw new Error(await stillActiveMessage(client, { ...props, host: server.host, port: server.port }, slot, waitSeconds));
      }
      await sleep(DELETE_POLL_MS);
    }
  });
}

/**
 * A slot of this name left on a standby (a former primary that rejoined keeps its slots), which
 * would hold WAL there: dropped when idle. Best effort: the primary's copy is what matters.
 */
async function dropLeftover(server: ConnectionInputs, slotName: string): Promise<void> {
  await withClient({ ...server, connectTimeoutSeconds: 5 }, async (client) => {
    const slot = await readSlot(client, slotName);
    if (slot && slot.slotType === "physical" && !slot.active) await client.query("SELECT pg_drop_replication_slot($1)", [slotName]);
  }).catch(() => undefined);
}

export interface ReplicationSlotArgs extends ConnectionArgs {
  slotName: pulumi.Input<string>;
  deleteTimeoutSeconds?: pulumi.Input<number>;
  /** Every member of the cluster (name and published endpoint), where delete looks for the primary. */
  clusterMembers?: pulumi.Input<pulumi.Input<MemberEndpoint>[]>;
}

// One provider for every resource of this type: the SDK serializes a dynamic provider once per
// instance (it caches by instance), and serializing is most of a program run's time.
const PROVIDER = new ReplicationSlotProvider();

/** A physical replication slot on the primary, one per replica. */
export class ReplicationSlot extends pulumi.dynamic.Resource {
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly user: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;
  declare readonly database: pulumi.Output<string | undefined>;
  declare readonly connectTimeoutSeconds: pulumi.Output<number | undefined>;
  declare readonly statementTimeoutMs: pulumi.Output<number | undefined>;
  declare readonly slotName: pulumi.Output<string>;
  declare readonly deleteTimeoutSeconds: pulumi.Output<number | undefined>;
  declare readonly clusterMembers: pulumi.Output<MemberEndpoint[] | undefined>;
  declare readonly active: pulumi.Output<boolean>;
  declare readonly restartLsn: pulumi.Output<string | null>;
  declare readonly walStatus: pulumi.Output<string | null>;
  declare readonly retainedBytes: pulumi.Output<number | null>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: ReplicationSlotArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      database: undefined,
      connectTimeoutSeconds: undefined,
      statementTimeoutMs: undefined,
      deleteTimeoutSeconds: undefined,
      clusterMembers: undefined,
      ...args,
      password: pulumi.secret(args.password),
      active: undefined,
      restartLsn: undefined,
      walStatus: undefined,
      retainedBytes: undefined,
      adopted: undefined,
    };
    super(PROVIDER, name, props, withSecretOutputs(opts, ["password"]), "postgres", "ReplicationSlot");
  }
}
