import { CONTAINER_SSL_PARAMS } from "./tls";
import { CONTAINER_PORTS, files, paths } from "./containerPaths";
import { derivedMemorySettings } from "./memory";
import { requiredWalSenders } from "./postgresqlRules";
import { requiresRestart } from "./postgresSettingContext";
import type { StackSettings } from "./settings";
import { memberNames, type Member } from "./topology";

/** Default bound on WAL a lost replica's slot may pin before PostgreSQL invalidates the slot. */
export const DEFAULT_MAX_SLOT_WAL_KEEP_SIZE = "4GB";

/**
 * `synchronous_standby_names` for k synchronous replicas. Every member is listed, the primary too:
 * it never streams from itself, so the list means the same before and after a failover and no
 * member has to change its configuration when the primary moves.
 */
export function synchronousStandbyNames(s: Pick<StackSettings, "replicas" | "syncReplicas">): string {
  if (s.syncReplicas === 0) return "";
  const quoted = memberNames(s.replicas).map((n) => `"${n}"`);
  return `ANY ${s.syncReplicas} (${quoted.join(", ")})`;
}

/** The settings every PostgreSQL member of the cluster shares: defaults, derived, then the stack's own. */
export function clusterPostgresqlSettings(s: StackSettings): Record<string, string> {
  const maxConnections = Number(s.postgresql.max_connections ?? 100);
  const senders = String(requiredWalSenders(s));
  const settings: Record<string, string> = {
    listen_addresses: "*",
    port: String(CONTAINER_PORTS.postgres),
    unix_socket_directories: paths.socketDir,
    hba_file: files.pgHba,
    max_connections: String(maxConnections),
    password_encryption: "scram-sha-256",
    wal_level: "replica",
    max_wal_senders: senders,
    max_replication_slots: senders,
    max_slot_wal_keep_size: DEFAULT_MAX_SLOT_WAL_KEEP_SIZE,
    // A cushion for replicas between a failover and the moment their slots exist on the new primary.
    wal_keep_size: "128MB",
    hot_standby: "on",
    hot_standby_feedback: "on",
    // pg_rewind needs hint bits WAL-logged to bring a failed primary back as a replica.
    wal_log_hints: "on",
    synchronous_standby_names: synchronousStandbyNames(s),
    // Continuous archiving into the backup storage; only the primary archives (archive_mode = on).
    archive_mode: "on",
    archive_command: `sh ${paths.bin}/archive-wal.sh %p %f`,
    archive_timeout: `${s.backup.archiveTimeoutSeconds}s`,
    // A standby whose slot was invalidated can still catch up from the archive.
    restore_command: `sh ${paths.bin}/restore-wal.sh ${paths.backups}/wal %f %p`,
    log_line_prefix: "%m [%p] %q%u@%d/%a ",
    log_replication_commands: "on",
    ...derivedMemorySettings(s.memoryMb, maxConnections),
    ...s.postgresql,
  };
  return settings;
}

/** What makes one member different: where it streams from when it is a standby, and as whom. */
export function memberStandbySettings(member: Member, primary: Member, primaryAt?: { host: string; port: number }): Record<string, string> {
  return {
    primary_conninfo: standbyConninfo(member, primaryAt?.host ?? primary.name, primaryAt?.port),
    primary_slot_name: member.slotName,
  };
}

/** libpq connection string a standby uses to stream from `primaryHost`; the password is in the passfile. */
export function standbyConninfo(member: Pick<Member, "name">, primaryHost: string, primaryPort: number = CONTAINER_PORTS.postgres): string {
  return [
    `host=${primaryHost}`,
    `port=${primaryPort}`,
    "user=replicator",
    `passfile=${files.pgpass}`,
    `application_name=${member.name}`,
    "connect_timeout=5",
    // The primary's certificate names its alias; the walreceiver refuses any other server.
    CONTAINER_SSL_PARAMS,
  ].join(" ");
}

/** Splits settings into those that need a restart and those a reload applies. */
export function splitByRestart(settings: Record<string, string>): { restart: Record<string, string>; live: Record<string, string> } {
  const restart: Record<string, string> = {};
  const live: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    (requiresRestart(name) ? restart : live)[name] = value;
  }
  return { restart, live };
}
