import { Client } from "pg";
import { dockerRaw } from "../test/support/docker";
import { parseTimestampedLogs } from "./containerMoments";
import {
  FLOOR_NETWORK,
  FLOOR_PORT,
  FLOOR_PRIMARY,
  FLOOR_REPLICAS,
  REPLICATION_SQL,
  SLOTS_SQL,
  floorSlot,
  networkArgs,
  primaryRunArgs,
  replicaRunArgs,
  streamingSlots,
} from "./floorPlan";

// Runs the hand-made floor (floorPlan.ts) and times each step from the first docker command to
// both replicas streaming. Polls every 50 ms: it is the floor. Removes everything it made.

export interface FloorStep {
  name: string;
  /** ms from the first docker command. */
  startMs: number;
  endMs: number;
}

export interface FloorRun {
  ok: boolean;
  /** First docker command → both replicas streaming. */
  totalMs: number;
  steps: FloorStep[];
  /** When each container's PostgreSQL logged that it was ready, in ms from the start. */
  readyMs: Record<string, number>;
  cleanupMs?: number;
  error?: string;
}

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dockerOk(args: string[]): Promise<void> {
  const r = await dockerRaw(args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 4).join(" ")} …: ${r.stderr.trim() || r.stdout.trim()}`);
}

/** Removes the floor's containers and network (left by this run or an interrupted earlier one). */
export async function removeFloor(): Promise<void> {
  await dockerRaw(["rm", "-f", "-v", FLOOR_PRIMARY, ...FLOOR_REPLICAS], { timeoutMs: 120_000 });
  await dockerRaw(["network", "rm", FLOOR_NETWORK], { timeoutMs: 60_000 });
}

async function connectWhenAccepting(deadline: number): Promise<Client> {
  let last = "";
  while (Date.now() < deadline) {
    const client = new Client({ host: "127.0.0.1", port: FLOOR_PORT, user: "postgres", database: "postgres", connectionTimeoutMillis: 2_000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      last = (err as Error).message;
      await client.end().catch(() => undefined);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`the floor's primary did not accept connections in time (last: ${last})`);
}

async function logTail(container: string): Promise<string> {
  const r = await dockerRaw(["logs", "--tail", "15", container]);
  return `${r.stdout}${r.stderr}`.trim();
}

export async function runFloor(image: string, timeoutMs = 180_000): Promise<FloorRun> {
  await removeFloor();
  const steps: FloorStep[] = [];
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const at = () => Date.now() - t0;
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const startMs = at();
    const value = await fn();
    steps.push({ name, startMs, endMs: at() });
    return value;
  };
  let client: Client | undefined;
  const run: FloorRun = { ok: false, totalMs: 0, steps, readyMs: {} };
  try {
    await timed("docker network create", () => dockerOk(networkArgs()));
    await timed("primary: docker run", () => dockerOk(primaryRunArgs(image)));
    client = await timed("primary: initdb, PostgreSQL start, accepting connections", () => connectWhenAccepting(deadline));
    const c = client;
    await timed("2 slots: pg_create_physical_replication_slot(name, true)", () => c.query(SLOTS_SQL));
    const cloneStarted = at();
    await Promise.all(FLOOR_REPLICAS.map((_, i) => timed(`replica-${i + 1}: docker run`, () => dockerOk(replicaRunArgs(image, i + 1)))));
    // Then each replica's clone and start until the primary sees it streaming through its slot.
    const pending = new Map(FLOOR_REPLICAS.map((_, i) => [floorSlot(i + 1), i + 1]));
    while (pending.size > 0) {
      if (Date.now() >= deadline) throw new Error(`not streaming in time: ${[...pending.keys()].join(", ")}`);
      const rows = (await c.query(REPLICATION_SQL)).rows as { slot_name: string; state: string | null }[];
      for (const slot of streamingSlots(rows)) {
        const i = pending.get(slot);
        if (i === undefined) continue;
        pending.delete(slot);
        steps.push({ name: `replica-${i}: pg_basebackup, PostgreSQL start, streaming`, startMs: steps.find((s) => s.name === `replica-${i}: docker run`)?.endMs ?? cloneStarted, endMs: at() });
      }
      if (pending.size > 0) await sleep(POLL_MS);
    }
    run.totalMs = at();
    run.ok = true;
  } catch (err) {
    run.totalMs = at();
    const tails = await Promise.all([FLOOR_PRIMARY, ...FLOOR_REPLICAS].map(async (n) => `${n}: ${await logTail(n)}`));
    run.error = `${(err as Error).message}\n${tails.join("\n")}`;
  } finally {
    await client?.end().catch(() => undefined);
    for (const name of [FLOOR_PRIMARY, ...FLOOR_REPLICAS]) {
      const logs = await dockerRaw(["logs", "--timestamps", name]);
      const ready = parseTimestampedLogs(`${logs.stdout}\n${logs.stderr}`).find((l) => /database system is ready to accept/.test(l.text));
      if (ready) run.readyMs[name.replace("bench-floor-", "")] = ready.atMs - t0;
    }
    const cleanupStarted = Date.now();
    await removeFloor();
    run.cleanupMs = Date.now() - cleanupStarted;
  }
  return run;
}
