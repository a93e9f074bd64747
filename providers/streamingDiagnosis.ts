import type { ConnectFailureKind } from "./connection";

// Words for what a replica that is not (yet) streaming is doing, from what the primary and the
// replica's own endpoint report. Pure, so every sentence is unit-tested.

/** A row of pg_stat_replication on the primary. */
export interface WalSenderRow {
  pid: number;
  applicationName: string;
  clientAddr: string | null;
  state: string;
  syncState: string;
  /** pg_current_wal_lsn() - replay_lsn; null before the replica reports a replay position. */
  lagBytes: number | null;
  /** replay_lag in seconds; null when idle (nothing in flight) or not measured yet. */
  replayDelaySeconds: number | null;
}

/** A replication slot as the primary sees it; undefined = no such slot. */
export interface SlotRow {
  active: boolean;
  activePid: number | null;
  walStatus: string | null;
  /** application_name of the walsender holding the slot, when one does. */
  holderApplicationName: string | null;
}

/** What the replica's own endpoint said. */
export type ReplicaProbe =
  | { reachable: false; kind: ConnectFailureKind; detail: string }
  | {
      reachable: true;
      inRecovery: boolean;
      /** pg_stat_wal_receiver status, or null when it has no WAL receiver. */
      receiverStatus: string | null;
      senderHost: string | null;
      receiverSlot: string | null;
    };

/** The walsender row that best represents `name`: streaming first, then the least behind. */
export function pickWalSender(rows: WalSenderRow[], name: string): WalSenderRow | undefined {
  const mine = rows.filter((r) => r.applicationName === name);
  const rank = (r: WalSenderRow) => (r.state === "streaming" ? 0 : 1);
  return mine.sort((a, b) => rank(a) - rank(b) || (a.lagBytes ?? Infinity) - (b.lagBytes ?? Infinity))[0];
}

/** True when the row shows the replica streaming within the lag allowed. */
export function isHealthy(row: WalSenderRow | undefined, maxLagBytes: number): boolean {
  return row !== undefined && row.state === "streaming" && row.lagBytes !== null && row.lagBytes <= maxLagBytes;
}

const STATE_MEANING: Record<string, string> = {
  startup: "the walsender is starting up",
  catchup: "it is catching up on WAL it missed",
  backup: "a base backup is running (the replica is still being cloned)",
  stopping: "the walsender is stopping",
};

/** What a replica listed in pg_stat_replication is doing when it does not count as healthy. */
export function describeWalSender(row: WalSenderRow, maxLagBytes: number): string {
  const lag = row.lagBytes === null ? "replay position not reported yet" : `${row.lagBytes} bytes behind`;
  if (row.state !== "streaming") {
    return `state ${row.state} (${STATE_MEANING[row.state] ?? "not streaming"}), ${lag}`;
  }
  return `streaming but ${lag} (maxLagBytes ${maxLagBytes})`;
}

/** The primary's view of a replica's slot. */
export function describeSlot(slotName: string, slot: SlotRow | undefined, replicaName: string): string {
  if (!slot) return `slot "${slotName}" does not exist on the primary (the ReplicationSlot must be created before the replica is cloned)`;
  const lost = slot.walStatus === "lost" ? "; its WAL is lost, so the replica must be rebuilt" : "";
  if (!slot.active) return `slot "${slotName}" exists but is inactive (nothing streams through it)${lost}`;
  const holder = slot.holderApplicationName === null ? "" : ` by application_name "${slot.holderApplicationName}"`;
  const hint =
    slot.holderApplicationName !== null && slot.holderApplicationName !== replicaName
      ? `: a replica streams through it under another name; check application_name in its primary_conninfo`
      : "";
  return `slot "${slotName}" is active (walsender pid ${slot.activePid ?? "?"}${holder})${hint}${lost}`;
}

/** The replica endpoint's view of itself. */
export function describeProbe(endpoint: string, probe: ReplicaProbe, replicaName: string): string {
  if (!probe.reachable) {
    switch (probe.kind) {
      case "refused":
        return `its endpoint ${endpoint} refuses connections (container stopped or crashed, or the port is not published)`;
      case "closed":
        return `its endpoint ${endpoint} accepts TCP but closes the connection (PostgreSQL is not running behind it: still cloning, or it crashed; see docker logs)`;
      case "timeout":
        return `its endpoint ${endpoint} does not answer (timed out)`;
      case "host-not-found":
        return `its endpoint ${endpoint} does not resolve (host not found)`;
      case "unreachable":
        return `its endpoint ${endpoint} is unreachable (no route)`;
      case "starting-up":
        return `its endpoint ${endpoint} is starting up and not accepting connections yet (still replaying to a consistent state)`;
      case "authentication":
        return `its endpoint ${endpoint} rejects the check's credentials (authentication failed: is it a different cluster?)`;
      default:
        return `its endpoint ${endpoint} failed: ${probe.detail}`;
    }
  }
  if (!probe.inRecovery) {
    return `its endpoint ${endpoint} answers but is NOT in recovery: it is a second primary (split brain); do not write to it, rebuild it as a standby`;
  }
  if (probe.receiverStatus === null) {
    return (
      `its endpoint ${endpoint} is in recovery but has no WAL receiver (pg_stat_wal_receiver is empty), so it cannot stream: ` +
      `likely the replicator password or the primary's pg_hba.conf rejects it, or primary_conninfo is wrong; ` +
      `check the replicator password, the primary's "host replication" pg_hba line and docker logs of ${replicaName}`
    );
  }
  return (
    `its endpoint ${endpoint} is in recovery with a WAL receiver ${probe.receiverStatus} from ${probe.senderHost ?? "?"}` +
    `${probe.receiverSlot ? ` via slot "${probe.receiverSlot}"` : ""}, yet the primary lists no walsender named "${replicaName}": ` +
    `check application_name in its primary_conninfo, and that it streams from this primary`
  );
}

// Exported by list, not `export const`: the serialized provider would read it as `exports.…`.
const WHAT_TO_CHECK =
  "What to check: docker ps (are the replica containers running?); docker logs <replica> (authentication or pg_hba " +
  'errors, "requested WAL segment has already been removed"); the replicator role\'s password and REPLICATION ' +
  "attribute; the primary's pg_hba.conf \"host replication\" line; application_name in each replica's primary_conninfo.";

/** The error of a check that ran out of time: one line per replica that is not verified. */
export function timeoutReport(args: {
  primaryEndpoint: string;
  timeoutSeconds: number;
  expectedCount: number;
  verified: string[];
  problems: { name: string; text: string }[];
}): string {
  const { primaryEndpoint, timeoutSeconds, expectedCount, verified, problems } = args;
  const ok = verified.length > 0 ? ` (verified: ${verified.join(", ")})` : "";
  const lines = problems.map((p) => `  - ${p.name}: ${p.text}`);
  return [
    `StreamingCheck failed after ${timeoutSeconds} s: ${problems.length} of ${expectedCount} expected replicas ` +
      `not verified against the primary ${primaryEndpoint}${ok}:`,
    ...lines,
    WHAT_TO_CHECK,
  ].join("\n");
}

export { WHAT_TO_CHECK };
