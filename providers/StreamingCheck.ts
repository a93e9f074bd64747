import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import {
  checkConnectionInputs,
  classifyConnectError,
  connect,
  endpointOf,
  ENDPOINT_FIELDS,
  TIMEOUT_FIELDS,
  withClient,
  type ConnectionArgs,
  type ConnectionInputs,
  type InputFailure,
} from "./connection";
import { changedKeys } from "./diffing";
import { isUnknown } from "./preview";
import { withSecretOutputs } from "./resourceOptions";
import { slotNameProblem } from "./slotName";
import {
  describeProbe,
  describeSlot,
  describeWalSender,
  isHealthy,
  pickWalSender,
  timeoutReport,
  type ReplicaProbe,
  type SlotRow,
  type WalSenderRow,
} from "./streamingDiagnosis";

/** A replica the check expects: its application_name, its published endpoint, its slot. */
export interface ExpectedReplica {
  name: string;
  host: string;
  port: number;
  slotName: string;
}

/** Provider inputs: the primary's connection fields plus what to expect. */
export interface StreamingCheckInputs extends ConnectionInputs {
  replicas: ExpectedReplica[];
  /** Largest replay lag that still counts as streaming; default 16 MiB. */
  maxLagBytes?: number;
  /** How long to wait for all replicas to stream and replay the marker; default 120. */
  timeoutSeconds?: number;
  /** Any value; changing it re-runs the check. */
  trigger?: string;
}

/** One verified replica: the expected fields plus what the primary and the replica reported. */
export interface ReplicaReport extends ExpectedReplica {
  state: string;
  syncState: string;
  lagBytes: number | null;
  replayDelaySeconds: number | null;
  markerReplayed: boolean;
}

export interface StreamingVerification {
  replicas: ReplicaReport[];
  verifiedAt: string;
}

/** Outputs: the inputs, with `replicas` carrying each replica's report. */
export interface StreamingCheckOutputs extends Omit<StreamingCheckInputs, "replicas">, StreamingVerification {}

const DEFAULT_MAX_LAG_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 120;
const POLL_MS = 500;
/** A replica endpoint that does not answer within this long is reported as such. */
const PROBE_CONNECT_SECONDS = 3;
/** Marker rows older than this are removed, so the table stays small. */
const MARKER_RETENTION = "1 hour";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The expected-replica fields only (outputs carry reports in the same list). */
export function expectedReplicas(list: unknown): ExpectedReplica[] {
  if (!Array.isArray(list)) return [];
  return list.map((r: ExpectedReplica) => ({ name: r.name, host: r.host, port: r.port, slotName: r.slotName }));
}

/** `check` failures for the check's own fields; unknown (preview) values are not judged. */
export function checkStreamingInputs(news: Record<string, unknown>): InputFailure[] {
  const failures: InputFailure[] = [];
  const add = (property: string, reason: string) => failures.push({ property, reason });
  const replicas = news.replicas;
  if (replicas === undefined) add("replicas", "replicas is required (an empty list checks the primary alone)");
  else if (!isUnknown(replicas)) {
    if (!Array.isArray(replicas)) add("replicas", "replicas must be a list of { name, host, port, slotName }");
    else {
      const seen = new Set<string>();
      replicas.forEach((r: Record<string, unknown>, i: number) => {
        const at = `replicas[${i}]`;
        if (isUnknown(r)) return;
        if (r === null || typeof r !== "object") {
          add("replicas", `${at} must be { name, host, port, slotName }`);
          return;
        }
        if (!isUnknown(r.name)) {
          if (typeof r.name !== "string" || r.name === "") add("replicas", `${at}.name must be the replica's application_name`);
          else if (seen.has(r.name)) add("replicas", `${at}.name "${r.name}" appears twice`);
          else seen.add(r.name);
        }
        if (!isUnknown(r.host) && (typeof r.host !== "string" || r.host === "")) add("replicas", `${at}.host must be a non-empty string`);
        if (!isUnknown(r.port) && !(typeof r.port === "number" && Number.isInteger(r.port) && r.port > 0 && r.port <= 65535)) {
          add("replicas", `${at}.port must be an integer from 1 to 65535, got ${JSON.stringify(r.port)}`);
        }
        if (!isUnknown(r.slotName)) {
          const problem = slotNameProblem(r.slotName);
          if (problem) add("replicas", `${at}: ${problem}`);
        }
      });
    }
  }
  for (const key of ["maxLagBytes", "timeoutSeconds"]) {
    const value = news[key];
    if (value !== undefined && !isUnknown(value) && !(typeof value === "number" && value > 0)) {
      add(key, `${key} must be a positive number, got ${JSON.stringify(value)}`);
    }
  }
  if (news.trigger !== undefined && !isUnknown(news.trigger) && typeof news.trigger !== "string") {
    add("trigger", "trigger must be a string");
  }
  return failures;
}

const CHECK_DEFAULTS = { database: "postgres", maxLagBytes: DEFAULT_MAX_LAG_BYTES, timeoutSeconds: DEFAULT_TIMEOUT_SECONDS };

/** Any change of replicas, endpoints, thresholds or trigger re-runs the check; nothing replaces it. */
export function diffStreamingCheck(olds: Record<string, unknown>, news: Record<string, unknown>): pulumi.dynamic.DiffResult {
  const changed = changedKeys(olds, news, [...ENDPOINT_FIELDS, ...TIMEOUT_FIELDS, "maxLagBytes", "timeoutSeconds", "trigger"], CHECK_DEFAULTS);
  const replicasUnknown = isUnknown(news.replicas) || (Array.isArray(news.replicas) && news.replicas.some((r) => isUnknown(r)));
  if (replicasUnknown || changedKeys({ r: expectedReplicas(olds.replicas) }, { r: expectedReplicas(news.replicas) }, ["r"]).length > 0) {
    changed.push("replicas");
  }
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

async function readWalSenders(client: Client): Promise<WalSenderRow[]> {
  const result = await client.query(
    `SELECT pid, application_name, host(client_addr) AS client_addr, state, sync_state,
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes,
            extract(epoch FROM replay_lag)::float8 AS replay_delay_seconds
       FROM pg_stat_replication`,
  );
  return result.rows.map((r) => ({
    pid: r.pid,
    applicationName: r.application_name,
    clientAddr: r.client_addr,
    state: r.state,
    syncState: r.sync_state,
    lagBytes: r.lag_bytes,
    replayDelaySeconds: r.replay_delay_seconds,
  }));
}

async function readSlotRow(client: Client, slotName: string): Promise<SlotRow | undefined> {
  const result = await client.query(
    `SELECT s.active, s.active_pid, s.wal_status, r.application_name AS holder
       FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
      WHERE s.slot_name = $1`,
    [slotName],
  );
  const row = result.rows[0];
  return row ? { active: row.active, activePid: row.active_pid, walStatus: row.wal_status, holderApplicationName: row.holder } : undefined;
}

/** The replica's connection: same role and password (roles replicate physically), its endpoint. */
function replicaConnection(inputs: StreamingCheckInputs, replica: ExpectedReplica, connectSeconds: number): ConnectionInputs {
  return {
    host: replica.host,
    port: replica.port,
    user: inputs.user,
    password: inputs.password,
    database: inputs.database,
    statementTimeoutMs: inputs.statementTimeoutMs,
    connectTimeoutSeconds: connectSeconds,
    caCertificate: inputs.caCertificate,
  };
}

/** Asks the replica's endpoint what it is doing. */
async function probeReplica(inputs: StreamingCheckInputs, replica: ExpectedReplica): Promise<ReplicaProbe> {
  let client: Client;
  try {
    client = await connect(replicaConnection(inputs, replica, PROBE_CONNECT_SECONDS));
  } catch (err) {
    const failure = classifyConnectError(err, inputs.password);
    const kind = (err as { failureKind?: typeof failure.kind }).failureKind ?? failure.kind;
    return { reachable: false, kind, detail: failure.detail };
  }
  try {
    const result = await client.query(
      `SELECT pg_is_in_recovery() AS in_recovery,
              (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver_status,
              (SELECT sender_host FROM pg_stat_wal_receiver LIMIT 1) AS sender_host,
              (SELECT slot_name FROM pg_stat_wal_receiver LIMIT 1) AS receiver_slot`,
    );
    const row = result.rows[0];
    return {
      reachable: true,
      inRecovery: row.in_recovery,
      receiverStatus: row.receiver_status,
      senderHost: row.sender_host,
      receiverSlot: row.receiver_slot,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why a replica absent from (or unhealthy in) pg_stat_replication is so, in one line. */
async function diagnoseReplica(
  primary: Client,
  inputs: StreamingCheckInputs,
  replica: ExpectedReplica,
  row: WalSenderRow | undefined,
  maxLagBytes: number,
): Promise<string> {
  if (row) return describeWalSender(row, maxLagBytes);
  const slot = await readSlotRow(primary, replica.slotName);
  const probe = await probeReplica(inputs, replica);
  return [
    "absent from pg_stat_replication on the primary",
    describeSlot(replica.slotName, slot, replica.name),
    describeProbe(endpointOf(replica), probe, replica.name),
  ].join("; ");
}

/** Writes a fresh token on the primary; each replica must show it to count as replaying. */
async function writeMarker(primary: Client): Promise<string> {
  const { randomUUID } = require("crypto") as typeof import("crypto");
  const token = randomUUID();
  const ensureTable = async () => {
    await primary.query("CREATE SCHEMA IF NOT EXISTS pgstack");
    await primary.query(
      "CREATE TABLE IF NOT EXISTS pgstack.streaming_marker (token text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())",
    );
  };
  try {
    await ensureTable();
  } catch (err) {
    // Two checks creating the schema at once: one loses the race on the catalog's unique index.
    if ((err as { code?: string }).code !== "23505") throw err;
    await ensureTable();
  }
  await primary.query(
    "INSERT INTO pgstack.streaming_marker (token) VALUES ($1) ON CONFLICT (token) DO UPDATE SET written_at = now()",
    [token],
  );
  await primary.query(`DELETE FROM pgstack.streaming_marker WHERE written_at < now() - interval '${MARKER_RETENTION}'`);
  return token;
}

/** Polls the replica's own endpoint until it shows `token` in recovery, or explains why not. */
async function waitForMarker(
  inputs: StreamingCheckInputs,
  replica: ExpectedReplica,
  token: string,
  deadline: number,
): Promise<{ replayed: true } | { replayed: false; problem: string }> {
  let client: Client | undefined;
  let lastProblem = "not checked yet";
  try {
    for (;;) {
      try {
        if (!client) {
          const seconds = Math.max(1, Math.min(PROBE_CONNECT_SECONDS, (deadline - Date.now()) / 1000));
          client = await connect(replicaConnection(inputs, replica, seconds));
        }
        const { rows } = await client.query(
          "SELECT pg_is_in_recovery() AS in_recovery, to_regclass('pgstack.streaming_marker') IS NOT NULL AS has_table",
        );
        if (!rows[0].in_recovery) {
          return { replayed: false, problem: describeProbe(endpointOf(replica), { reachable: true, inRecovery: false, receiverStatus: null, senderHost: null, receiverSlot: null }, replica.name) };
        }
        if (rows[0].has_table) {
          const seen = await client.query("SELECT 1 FROM pgstack.streaming_marker WHERE token = $1", [token]);
          if (seen.rows.length > 0) return { replayed: true };
        }
        lastProblem = `in recovery, but the marker written on the primary is not visible on ${endpointOf(replica)} yet`;
      } catch (err) {
        lastProblem = `its endpoint ${endpointOf(replica)} failed while checking the marker: ${(err as Error).message}`;
        if (client) await client.end().catch(() => undefined);
        client = undefined;
      }
      if (Date.now() >= deadline) return { replayed: false, problem: lastProblem };
      await sleep(Math.min(POLL_MS / 2, Math.max(0, deadline - Date.now())));
    }
  } finally {
    if (client) await client.end().catch(() => undefined);
  }
}

/**
 * Verifies streaming replication end to end: every expected replica streams from the primary
 * within maxLagBytes, and a marker written on the primary shows up on each replica's own endpoint
 * while it is in recovery. With no replicas, proves the primary reachable and writable. Throws,
 * after timeoutSeconds, with one line per replica that is not verified and what it is doing.
 */
export async function verifyStreaming(inputs: StreamingCheckInputs): Promise<StreamingVerification> {
  const expected = expectedReplicas(inputs.replicas);
  const maxLagBytes = inputs.maxLagBytes ?? DEFAULT_MAX_LAG_BYTES;
  const timeoutSeconds = inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const primaryConnection = { ...inputs, connectTimeoutSeconds: Math.min(inputs.connectTimeoutSeconds ?? 60, timeoutSeconds) };

  return withClient(primaryConnection, async (primary) => {
    const role = await primary.query("SELECT pg_is_in_recovery() AS in_recovery");
    if (role.rows[0].in_recovery) {
      throw new Error(`StreamingCheck: ${endpointOf(inputs)} is in recovery (a standby), not the primary; point host/port at the primary`);
    }
    const failWith = async (problems: { name: string; text: string }[]) => {
      const failed = new Set(problems.map((p) => p.name));
      return new Error(
        timeoutReport({
          primaryEndpoint: endpointOf(inputs),
          timeoutSeconds,
          expectedCount: expected.length,
          verified: expected.map((r) => r.name).filter((name) => !failed.has(name)),
          problems,
        }),
      );
    };

    // 1. Every expected replica streams, within the lag allowed.
    let senders = await readWalSenders(primary);
    while (!expected.every((r) => isHealthy(pickWalSender(senders, r.name), maxLagBytes))) {
      if (Date.now() >= deadline) {
        const missing = expected.filter((r) => !isHealthy(pickWalSender(senders, r.name), maxLagBytes));
        const problems = await Promise.all(
          missing.map(async (r) => ({ name: r.name, text: await diagnoseReplica(primary, inputs, r, pickWalSender(senders, r.name), maxLagBytes) })),
        );
        throw await failWith(problems);
      }
      await sleep(POLL_MS);
      senders = await readWalSenders(primary);
    }

    // 2. A write on the primary reaches each replica (also proves the primary writable).
    const token = await writeMarker(primary);
    const results = await Promise.all(expected.map((r) => waitForMarker(inputs, r, token, deadline)));
    const problems = expected.flatMap((r, i) => {
      const result = results[i];
      return result.replayed ? [] : [{ name: r.name, text: result.problem }];
    });
    if (problems.length > 0) throw await failWith(problems);

    senders = await readWalSenders(primary);
    const replicas = expected.map((r) => {
      const row = pickWalSender(senders, r.name);
      return {
        ...r,
        state: row?.state ?? "absent",
        syncState: row?.syncState ?? "unknown",
        lagBytes: row?.lagBytes ?? null,
        replayDelaySeconds: row?.replayDelaySeconds ?? null,
        markerReplayed: true,
      };
    });
    return { replicas, verifiedAt: new Date().toISOString() };
  });
}

function checkOutputs(inputs: StreamingCheckInputs, verification: StreamingVerification): StreamingCheckOutputs {
  return { ...inputs, ...verification };
}

/**
 * Verifies the cluster streams, on create, on every update and on refresh (`read`). Methods only
 * call module-level functions and load `pg` at run time, so the engine's serialized copy works.
 */
export class StreamingCheckProvider implements pulumi.dynamic.ResourceProvider {
  /** Validates the inputs as the engine sends them: any shape, and placeholders during preview. */
  async check(_olds: Partial<StreamingCheckInputs>, news: Partial<StreamingCheckInputs>): Promise<pulumi.dynamic.CheckResult> {
    const bag = news as Record<string, unknown>;
    return { inputs: news, failures: [...checkConnectionInputs(bag), ...checkStreamingInputs(bag)] };
  }

  async diff(_id: string, olds: StreamingCheckOutputs, news: StreamingCheckInputs): Promise<pulumi.dynamic.DiffResult> {
    return diffStreamingCheck(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  }

  async create(inputs: StreamingCheckInputs): Promise<pulumi.dynamic.CreateResult<StreamingCheckOutputs>> {
    const { randomUUID } = require("crypto") as typeof import("crypto");
    return { id: randomUUID(), outs: checkOutputs(inputs, await verifyStreaming(inputs)) };
  }

  /** Re-verifies: `pulumi refresh` re-checks an unchanged cluster. */
  async read(id: string, props: StreamingCheckOutputs): Promise<pulumi.dynamic.ReadResult<StreamingCheckOutputs>> {
    const inputs: StreamingCheckInputs = { ...props, replicas: expectedReplicas(props.replicas) };
    return { id, props: checkOutputs(inputs, await verifyStreaming(inputs)) };
  }

  async update(_id: string, _olds: StreamingCheckOutputs, news: StreamingCheckInputs): Promise<pulumi.dynamic.UpdateResult<StreamingCheckOutputs>> {
    return { outs: checkOutputs(news, await verifyStreaming(news)) };
  }

  /** Nothing on the server belongs to a check; the small marker table stays. */
  async delete(): Promise<void> {
    return;
  }
}

export interface ExpectedReplicaArgs {
  name: pulumi.Input<string>;
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  slotName: pulumi.Input<string>;
}

export interface StreamingCheckArgs extends ConnectionArgs {
  replicas: pulumi.Input<pulumi.Input<ExpectedReplicaArgs>[]>;
  maxLagBytes?: pulumi.Input<number>;
  timeoutSeconds?: pulumi.Input<number>;
  trigger?: pulumi.Input<string>;
}

// One provider for every resource of this type: the SDK serializes a dynamic provider once per
// instance (it caches by instance), and serializing is most of a program run's time.
const PROVIDER = new StreamingCheckProvider();

/** Proof that every replica streams from the primary and replays its writes. */
export class StreamingCheck extends pulumi.dynamic.Resource {
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly user: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;
  declare readonly database: pulumi.Output<string | undefined>;
  declare readonly connectTimeoutSeconds: pulumi.Output<number | undefined>;
  declare readonly statementTimeoutMs: pulumi.Output<number | undefined>;
  declare readonly maxLagBytes: pulumi.Output<number | undefined>;
  declare readonly timeoutSeconds: pulumi.Output<number | undefined>;
  declare readonly trigger: pulumi.Output<string | undefined>;
  /** The expected replicas, each with state, syncState, lagBytes, replayDelaySeconds, markerReplayed. */
  declare readonly replicas: pulumi.Output<ReplicaReport[]>;
  declare readonly verifiedAt: pulumi.Output<string>;

  constructor(name: string, args: StreamingCheckArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      database: undefined,
      connectTimeoutSeconds: undefined,
      statementTimeoutMs: undefined,
      maxLagBytes: undefined,
      timeoutSeconds: undefined,
      trigger: undefined,
      ...args,
      password: pulumi.secret(args.password),
      verifiedAt: undefined,
    };
    super(PROVIDER, name, props, withSecretOutputs(opts, ["password"]), "postgres", "StreamingCheck");
  }
}
