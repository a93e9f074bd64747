import { backendTarget, type BackendHost } from "./renderPgbouncer";

/**
 * Pure pieces of the failover procedure (scripts/failover.ts): choosing the replica to promote,
 * the fence marker a failed primary finds when it starts again, and the small rewrites that point
 * live configuration files at the new primary.
 */

/** A PostgreSQL WAL position ("16/B374D848") as a number of bytes. */
export function lsnToBigInt(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new Error(`not a WAL position: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

export interface StandbyState {
  member: string;
  /** Last WAL position received and flushed to disk (pg_last_wal_receive_lsn); null if it never streamed. */
  receiveLsn: string | null;
  /** Last WAL position replayed (pg_last_wal_replay_lsn). */
  replayLsn: string | null;
}

/**
 * The standby to promote: the one holding the most WAL, so nothing any standby received is lost
 * (with synchronous replication that includes every acknowledged commit). Ties go to the first
 * member name, so the choice is repeatable.
 */
export function chooseNewPrimary(standbys: StandbyState[]): StandbyState {
  const known = standbys.filter((s) => s.receiveLsn !== null || s.replayLsn !== null);
  if (known.length === 0) throw new Error("no replica has received any WAL: there is nothing safe to promote");
  const position = (s: StandbyState) => {
    const values = [s.receiveLsn, s.replayLsn].filter((v): v is string => v !== null).map(lsnToBigInt);
    return values.reduce((a, b) => (a > b ? a : b));
  };
  return [...known].sort((a, b) => {
    const d = position(b) - position(a);
    return d > 0n ? 1 : d < 0n ? -1 : a.member.localeCompare(b.member);
  })[0];
}

/** Where the fence marker lives: the data volume's root, outside PGDATA, so no backup copies it. */
export const FENCE_MARKER = "/var/lib/postgresql/data/pgstack.fence";

export interface FenceMarker {
  /** The member that was promoted in this member's place. */
  newPrimary: string;
  /** On several Docker hosts: where the new primary is reached (its host's address and published port). */
  newPrimaryAt?: { host: string; port: number };
  fencedAt: string;
  reason: string;
}

/** The marker as the shell entrypoint reads it: `key=value` lines. */
export function renderFenceMarker(marker: FenceMarker): string {
  return [
    `new_primary=${marker.newPrimary}`,
    ...(marker.newPrimaryAt ? [`new_primary_host=${marker.newPrimaryAt.host}`, `new_primary_port=${marker.newPrimaryAt.port}`] : []),
    `fenced_at=${marker.fencedAt}`,
    `reason=${marker.reason.replace(/\n/g, " ")}`,
    "",
  ].join("\n");
}

/**
 * Points every `host=` of the primary_conninfo lines of a live/bootstrap conf at `newHost`, and
 * their `port=` at `newPort` when given (the new primary's published port on another Docker host).
 */
export function repointConninfo(conf: string, newHost: string, newPort?: number): string {
  const hosted = conf.replace(/^(primary_conninfo\s*=\s*'[^\n]*?)\bhost=[^\s']+/gm, `$1host=${newHost}`);
  return newPort === undefined ? hosted : hosted.replace(/^(primary_conninfo\s*=\s*'[^\n]*?)\bport=\d+/gm, `$1port=${newPort}`);
}

/**
 * Rewrites PgBouncer's live ini: `<database>` to the new primary, `<database>_ro` over the
 * remaining standbys (or the new primary when none is left). Other lines are kept.
 */
export function repointPgbouncer(ini: string, newPrimary: BackendHost, standbys: BackendHost[]): string {
  let inDatabases = false;
  return ini
    .split("\n")
    .map((line) => {
      const section = /^\s*\[(\w+)\]\s*$/.exec(line);
      if (section) inDatabases = section[1] === "databases";
      const entry = inDatabases ? /^(\S+)(\s*=\s*)host=\S+ port=\S+(.*)$/.exec(line) : null;
      if (!entry) return line;
      const hosts = entry[1].endsWith("_ro") && standbys.length > 0 ? standbys : [newPrimary];
      return `${entry[1]}${entry[2]}${backendTarget(hosts)}${entry[3]}`;
    })
    .join("\n");
}

/**
 * Sets `pgstack:<key>` in a stack file's `config:` block (what `pulumi config set` would do for a
 * plain string), for machines without the Pulumi CLI.
 */
export function setStackConfigValue(yaml: string, key: string, value: string): string {
  if (!/^[a-zA-Z0-9_-]+$/.test(value)) throw new Error(`refusing to write ${JSON.stringify(value)} into YAML unquoted`);
  const line = `  pgstack:${key}: ${value}`;
  const existing = new RegExp(`^\\s+pgstack:${key}:.*$`, "m");
  if (existing.test(yaml)) return yaml.replace(existing, line);
  if (/^config:\s*$/m.test(yaml)) return yaml.replace(/^config:\s*$/m, `config:\n${line}`);
  return `${yaml.replace(/\n*$/, "\n")}config:\n${line}\n`;
}
