import { humanDuration, longestGapSeconds } from "../../../config/cronGap";
import type { ClusterStatus, Thresholds, Verdict } from "./model";

/** Bytes as people read them: 512 B, 3.2 MiB, 4.0 GiB. */
export function humanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${bytes < 0 ? "-" : ""}${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

const ageSeconds = (iso: string | undefined, now: Date) => (iso ? (now.getTime() - Date.parse(iso)) / 1000 : undefined);

/**
 * How old the newest good backup of a schedule may be: the schedule's longest gap between two
 * runs plus the grace. Undefined when the schedule (almost) never fires.
 */
export function backupAgeBound(schedule: string, graceMinutes: number): number | undefined {
  const gap = longestGapSeconds(schedule);
  return gap === undefined ? undefined : gap + graceMinutes * 60;
}

/**
 * The verdict: unreachable (2) when no Docker host or no PostgreSQL member answers; degraded (1)
 * with one line per reason; healthy (0) otherwise. Pure: everything it looks at is in `status`.
 */
export function judge(status: Omit<ClusterStatus, "verdict">, now: Date): Verdict {
  const t: Thresholds = status.thresholds;
  const reasons: string[] = [];
  const answering = status.members.filter((m) => m.role === "primary" || m.role === "replica");

  if (status.members.every((m) => m.role === "missing") && status.unreachableHosts.length > 0) {
    return { state: "unreachable", code: 2, reasons: status.unreachableHosts.map((h) => `Docker host ${h.host} does not answer: ${h.error}`) };
  }
  if (status.members.every((m) => m.role === "missing")) {
    return { state: "unreachable", code: 2, reasons: [`no container of stack ${status.stack} on ${status.hosts.join(", ")} (label pgstack.stack=${status.stack})`] };
  }
  if (answering.length === 0) {
    return {
      state: "unreachable",
      code: 2,
      reasons: ["no PostgreSQL member answers", ...status.members.map((m) => `${m.member}: ${m.role}${m.error ? ` (${m.error})` : ""}`)],
    };
  }
  for (const h of status.unreachableHosts) reasons.push(`Docker host ${h.host} does not answer: ${h.error}`);

  const primaries = status.members.filter((m) => m.role === "primary");
  if (primaries.length === 0) reasons.push("no member accepts writes: there is no primary (npm run failover promotes a replica)");
  if (primaries.length > 1) reasons.push(`split brain: ${primaries.map((m) => m.member).join(" and ")} both accept writes`);

  for (const m of status.members) {
    if (m.role === "missing") reasons.push(`${m.member} has no container`);
    else if (m.role === "stopped") reasons.push(`${m.member} is stopped (container ${m.containerState})`);
    else if (m.role === "fenced") reasons.push(`${m.member} is fenced by a failover to ${m.fence?.new_primary ?? "?"}${m.fence?.fenced_at ? ` at ${m.fence.fenced_at}` : ""}: start its container to rejoin as a replica`);
    else if (m.role === "unreachable") reasons.push(`${m.member} does not answer (${m.error ?? `container ${m.containerState}`})`);
    if (m.role !== "replica") continue;
    if (primaries.length === 1) {
      if (m.walSenderState !== "streaming") {
        reasons.push(`${m.member} is not streaming from ${primaries[0].member} (walsender: ${m.walSenderState ?? "none"}, WAL receiver: ${m.receiverStatus ?? "none"})`);
      }
    }
    if (m.lagBytes !== undefined && m.lagBytes > t.maxLagBytes) reasons.push(`${m.member} lags ${humanBytes(m.lagBytes)} behind (bound ${humanBytes(t.maxLagBytes)})`);
    if (m.lagSeconds !== undefined && m.lagSeconds > t.maxLagSeconds) reasons.push(`${m.member} replays ${humanDuration(m.lagSeconds)} behind (bound ${t.maxLagSeconds} s)`);
  }
  // A walsender for a member pgstack does not know about (none expected) is not a reason.

  for (const slot of status.slots ?? []) {
    if (slot.walStatus === "lost") reasons.push(`slot ${slot.name} is lost: its WAL was removed; its replica must be cloned again`);
    else if (slot.limitBytes !== undefined && slot.limitBytes > 0 && slot.retainedBytes !== undefined && slot.retainedBytes > slot.limitBytes / 2) {
      reasons.push(`slot ${slot.name} retains ${humanBytes(slot.retainedBytes)}, over half of max_slot_wal_keep_size (${humanBytes(slot.limitBytes)})`);
    }
  }

  const a = status.archiver;
  if (a && a.failedCount > 0 && a.lastFailedAt && (!a.lastArchivedAt || Date.parse(a.lastFailedAt) > Date.parse(a.lastArchivedAt))) {
    reasons.push(`WAL archiving is failing: ${a.lastFailedWal ?? "a segment"} failed at ${a.lastFailedAt}${a.lastArchivedAt ? `, last success ${a.lastArchivedAt}` : ", never succeeded"}`);
  }

  const b = status.pgbouncer;
  if (b && !b.reachable) reasons.push(`PgBouncer does not answer (${b.error ?? `container ${b.containerState}`})`);
  for (const p of b?.pools ?? []) {
    if (p.clWaiting > 0 && p.maxwaitSeconds > t.maxClientWaitSeconds) {
      reasons.push(`PgBouncer keeps ${p.clWaiting} client(s) of ${p.database}/${p.user} waiting, the longest ${p.maxwaitSeconds.toFixed(1)} s (bound ${t.maxClientWaitSeconds} s)`);
    }
  }

  const bk = status.backups;
  if (bk && !bk.manifest) reasons.push(`backups: cannot read the manifest (${bk.error ?? `container ${bk.containerState}`})`);
  if (bk?.manifest) {
    const m = bk.manifest;
    const overdue = (label: string, newest: string | undefined, schedule: string, key: string) => {
      const bound = backupAgeBound(schedule, t.backupGraceMinutes);
      const since = newest ?? bk.storageCreatedAt;
      const age = ageSeconds(since, now);
      if (bound === undefined || age === undefined || age <= bound) return;
      reasons.push(
        newest
          ? `the newest good ${label} is ${humanDuration(age)} old; ${key} "${schedule}" allows ${humanDuration(bound)}`
          : `no good ${label} yet, ${humanDuration(age)} after the backup storage was created; ${key} "${schedule}" allows ${humanDuration(bound)}`,
      );
    };
    const newestDumps = m.dumps.map((d) => d.newestAt).filter(Boolean).sort();
    overdue("dump", newestDumps[0], t.dumpSchedule, "backup.schedule");
    const newestBase = m.baseBackups.map((x) => x.endTime).filter(Boolean).sort().pop();
    overdue("base backup", newestBase, t.baseBackupSchedule, "backup.baseBackupSchedule");
    // A job killed half way (recorded as running by a process that is gone) is as bad as a failed one.
    const broken = (r: { status: string } | null | undefined) => r?.status === "failed" || r?.status === "interrupted";
    const how = (r: { status: string; finished: string; step?: string }) => `${r.status === "interrupted" ? "was interrupted" : "failed"}${r.step ? ` at step ${r.step}` : ""} at ${r.finished}`;
    if (m.lastDumpRun && broken(m.lastDumpRun)) reasons.push(`the last dump run ${how(m.lastDumpRun)} (see log/backups.log)`);
    if (m.lastBaseBackup && broken(m.lastBaseBackup)) reasons.push(`the last base backup ${how(m.lastBaseBackup)} (see log/backups.log)`);
    if (m.lastDrill && broken(m.lastDrill)) reasons.push(`the last restore drill ${how(m.lastDrill)} (see status/last-drill)`);
    if (m.wal.gaps && m.wal.gaps > 0) reasons.push(`the WAL archive has ${m.wal.gaps} gap(s), the first at ${m.wal.firstGap ?? "?"}: a point-in-time restore cannot cross it`);
  }

  return reasons.length === 0 ? { state: "healthy", code: 0, reasons: [] } : { state: "degraded", code: 1, reasons };
}
