import type { DockerEvent } from "./dockerEvents";
import type { ContainerTimes } from "./timeBreakdown";

// One container's bring-up, from what Docker recorded (events, `docker logs --timestamps`,
// `docker inspect`): when it was created and started, when its process logged that it is ready,
// and which healthcheck first passed.

export interface LogLine {
  atMs: number;
  text: string;
}

/** `docker logs --timestamps` output: each line starts with Docker's RFC 3339 time. */
export function parseTimestampedLogs(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/.exec(line);
    if (m) lines.push({ atMs: Date.parse(m[1]), text: m[2] });
  }
  return lines.sort((a, b) => a.atMs - b.atMs);
}

/** The entrypoint starts filling an empty data directory (pgstack's postgres-member.sh). */
const BOOTSTRAP = /: empty data directory: /;
const SERVER_START = /LOG:\s+starting PostgreSQL/;
/** PostgreSQL (primary or standby), PgBouncer and pgstack's backup scheduler each say when they are up. */
const READY = [/database system is ready to accept (read-only )?connections/, /LOG process up: PgBouncer/, /pgstack-backup: scheduler up/];

/** The command an exec of this healthcheck runs, as `exec_create: <command>` names it. */
export function healthcheckCommand(test: readonly string[] | undefined): string | undefined {
  if (!test || test.length < 2) return undefined;
  if (test[0] === "CMD-SHELL") return `/bin/sh -c ${test[1]}`;
  if (test[0] === "CMD") return test.slice(1).join(" ");
  return undefined;
}

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
}

export interface ContainerRecord {
  /** This container's events only, in time order. */
  events: readonly DockerEvent[];
  logs: readonly LogLine[];
  /** Config.Healthcheck.Test from `docker inspect`. */
  healthcheckTest?: readonly string[];
  /** State.StartedAt and State.Health.Log from `docker inspect` (the last five checks only). */
  startedAt?: string;
  healthLog?: readonly HealthLogEntry[];
}

interface Check {
  startMs: number;
  endMs?: number;
  exitCode?: number;
}

/** Every run of the container's healthcheck seen in its events, first first. */
export function healthchecks(events: readonly DockerEvent[], test: readonly string[] | undefined): Check[] {
  const command = healthcheckCommand(test);
  if (!command) return [];
  const byExec = new Map<string, Check>();
  for (const e of events) {
    if (!e.execId) continue;
    if (e.action === `exec_create: ${command}`) byExec.set(e.execId, { startMs: e.atMs });
    else if (e.action === "exec_die") {
      const check = byExec.get(e.execId);
      if (check) Object.assign(check, { endMs: e.atMs, exitCode: e.exitCode });
    }
  }
  return [...byExec.values()].sort((a, b) => a.startMs - b.startMs);
}

const firstAt = (logs: readonly LogLine[], pattern: RegExp, after = -Infinity) => logs.find((l) => l.atMs >= after && pattern.test(l.text))?.atMs;
const epoch = (iso: string | undefined) => {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
};

/** The container's moments in ms from `originMs` (the deploy's start). */
export function containerTimes(record: ContainerRecord, originMs: number): ContainerTimes {
  const event = (pred: (e: DockerEvent) => boolean) => record.events.find(pred)?.atMs;
  const createdAt = event((e) => e.action === "create");
  const startedAt = event((e) => e.action === "start") ?? epoch(record.startedAt);
  // Docker stamps the start event once the process runs, which may be after its first log line.
  const since = createdAt ?? startedAt ?? -Infinity;
  const bootstrapAt = firstAt(record.logs, BOOTSTRAP, since);
  const serverStartAt = firstAt(record.logs, SERVER_START, since);
  const readyAt = READY.map((p) => firstAt(record.logs, p, serverStartAt ?? since)).filter((v): v is number => v !== undefined).sort((a, b) => a - b)[0];

  // The first passing check from the events; when none was seen, from the health log, if it still holds it.
  const checks = healthchecks(record.events, record.healthcheckTest);
  let passing = checks.find((c) => c.exitCode === 0);
  let failedBefore = passing ? checks.filter((c) => c.startMs < passing!.startMs && c.exitCode !== 0 && c.exitCode !== undefined).length : 0;
  if (!passing && record.healthLog) {
    const log = record.healthLog.map((h) => ({ startMs: epoch(h.Start) ?? NaN, endMs: epoch(h.End), exitCode: h.ExitCode })).filter((c) => !Number.isNaN(c.startMs));
    passing = log.find((c) => c.exitCode === 0);
    failedBefore = passing ? log.filter((c) => c.startMs < passing!.startMs && c.exitCode !== 0).length : 0;
  }
  const healthyAt = event((e) => e.action === "health_status: healthy") ?? passing?.endMs;

  const rel = (v: number | undefined) => (v === undefined ? undefined : v - originMs);
  const times: ContainerTimes = {
    createdMs: rel(createdAt),
    startedMs: rel(startedAt),
    bootstrapMs: rel(bootstrapAt),
    serverStartMs: rel(serverStartAt),
    readyMs: rel(readyAt),
    passingCheckStartMs: rel(passing?.startMs),
    firstHealthyMs: rel(healthyAt),
    ...(failedBefore > 0 ? { failedChecks: failedBefore } : {}),
  };
  return Object.fromEntries(Object.entries(times).filter(([, v]) => v !== undefined)) as ContainerTimes;
}
