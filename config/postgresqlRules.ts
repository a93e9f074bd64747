import type { StackSettings } from "./settings";
import { INTERNAL_SETTINGS } from "./postgresSettingContext";

/** Settings pgstack renders itself; a stack that sets them would break the cluster's wiring. */
const MANAGED: Record<string, string> = {
  listen_addresses: "the containers listen on every interface of their own network namespace",
  port: "members listen on 5432 inside their containers; use pgstack:ports for host ports",
  hba_file: "pg_hba.conf is rendered by pgstack",
  ident_file: "pgstack does not use ident maps",
  config_file: "postgresql.conf is rendered by pgstack",
  data_directory: "the data directory lives on the member's volume",
  unix_socket_directories: "the entrypoint and healthcheck use /var/run/postgresql",
  primary_conninfo: "replicas follow the primary member pgstack wires them to",
  primary_slot_name: "each replica streams from its own slot, named after the member",
  synchronous_standby_names: "use pgstack:syncReplicas",
  archive_mode: "WAL archiving is managed by pgstack's backup settings",
  archive_command: "WAL archiving is managed by pgstack's backup settings",
  archive_library: "WAL archiving is managed by pgstack's backup settings",
  restore_command: "recovery is managed by pgstack",
  recovery_target: "point-in-time recovery is managed by pgstack",
  recovery_target_time: "point-in-time recovery is managed by pgstack",
  recovery_target_lsn: "point-in-time recovery is managed by pgstack",
  recovery_target_xid: "point-in-time recovery is managed by pgstack",
  recovery_target_name: "point-in-time recovery is managed by pgstack",
  recovery_target_action: "point-in-time recovery is managed by pgstack",
  recovery_target_inclusive: "point-in-time recovery is managed by pgstack",
  recovery_target_timeline: "replicas must follow the newest timeline after a failover",
  ssl: "TLS is always on: pg_hba.conf accepts TCP connections only over TLS",
  ssl_cert_file: "the member's certificate is issued and written by pgstack (pgstack:tls)",
  ssl_key_file: "the member's key is issued and written by pgstack (pgstack:tls)",
  ssl_ca_file: "the cluster CA is pgstack's own (exported as caCertificate)",
  ssl_min_protocol_version: "pgstack requires TLS 1.2 or newer",
  logging_collector: "logs go to the container's stdout, where `docker logs` finds them",
};

/** Minimum WAL senders/slots: one per replica plus room for base backups and a rejoining member. */
export function requiredWalSenders(settings: Pick<StackSettings, "replicas">): number {
  return Math.max(10, settings.replicas + 4);
}

function isOff(value: string): boolean {
  return ["off", "false", "no", "0"].includes(value.trim().toLowerCase());
}

function asInteger(value: string): number | undefined {
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/**
 * Why the extra setting `name = value` cannot be used, or undefined when it can.
 * Refuses settings pgstack manages and values that would break replication or failover.
 */
export function refusePostgresqlSetting(
  name: string,
  value: string,
  settings: Pick<StackSettings, "replicas" | "syncReplicas">,
): string | undefined {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) {
    return "not a PostgreSQL setting name (lower-case letters, digits and underscores, optionally `extension.name`)";
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) return "values cannot contain control characters or line breaks";
  if (INTERNAL_SETTINGS.has(name)) return "a read-only setting PostgreSQL reports but never accepts in a configuration file";
  if (MANAGED[name]) return `pgstack manages this setting: ${MANAGED[name]}`;
  const v = value.trim().toLowerCase();
  switch (name) {
    case "wal_level":
      return v === "replica" || v === "logical" ? undefined : "streaming replication needs wal_level replica or logical";
    case "hot_standby":
      return isOff(v) ? "replicas must accept read-only queries (the streaming check and <database>_ro read from them)" : undefined;
    case "wal_log_hints":
    case "full_page_writes":
      return isOff(v) ? "pg_rewind needs it on to bring a failed primary back as a replica" : undefined;
    case "password_encryption":
      return v === "scram-sha-256" ? undefined : "pgstack uses SCRAM only (PgBouncer's userlist holds SCRAM verifiers)";
    case "max_wal_senders":
    case "max_replication_slots": {
      const n = asInteger(v);
      const need = requiredWalSenders(settings);
      return n !== undefined && n >= need ? undefined : `must be an integer of at least ${need} for ${settings.replicas} replica(s)`;
    }
    case "max_slot_wal_keep_size": {
      const n = asInteger(v);
      return n === -1
        ? "must be bounded: an abandoned replica's slot would otherwise pin WAL until the disk fills (use a size such as 4GB)"
        : undefined;
    }
    case "synchronous_commit":
      return settings.syncReplicas > 0 && (isOff(v) || v === "local")
        ? `with pgstack:syncReplicas = ${settings.syncReplicas} commits must wait for replicas (on, remote_write or remote_apply)`
        : undefined;
    default:
      return undefined;
  }
}
