import { CONTAINER_PORTS, files } from "./containerPaths";
import type { StackSettings } from "./settings";

/** Roles that exist only inside PgBouncer (admin) or also on the server (stats: pg_monitor). */
export const PGBOUNCER_ADMIN_USER = "pgstack_admin";
export const PGBOUNCER_STATS_USER = "pgstack_stats";

/** Name of the read-only PgBouncer database that spreads over the replicas. */
export function readOnlyDatabase(database: string): string {
  return `${database}_ro`;
}

/**
 * The uploaded pgbouncer.ini: only what PgBouncer reads at start (listening, auth). Pools and
 * databases come from the live file `pulumi up` writes and PgBouncer re-reads on SIGHUP.
 */
export function renderPgbouncerIni(): string {
  return [
    "; pgbouncer.ini rendered by pgstack: settings PgBouncer reads only at start.",
    "[pgbouncer]",
    "listen_addr = 0.0.0.0",
    `listen_port = ${CONTAINER_PORTS.pgbouncer}`,
    "unix_socket_dir = /tmp",
    "auth_type = scram-sha-256",
    `auth_file = ${files.pgbouncerUserlist}`,
    `admin_users = ${PGBOUNCER_ADMIN_USER}`,
    `stats_users = ${PGBOUNCER_STATS_USER}`,
    // TLS both ways. Clients must use it (require: PgBouncer serves its certificate, a client that
    // trusts the stack's CA verifies it; "allow" would let plaintext and its passwords through),
    // except on the local socket. Servers must present a certificate of the stack's own CA, which
    // signs nothing but this stack's servers. verify-ca, not verify-full: PgBouncer 1.24 checks a
    // database's whole `host=replica-1,replica-2` string as one name against the certificate
    // ("name `replica-1,replica-2' not present in server certificate"), so the read-only pool
    // could never connect. The files are re-read on SIGHUP, so a renewal needs no restart.
    "client_tls_sslmode = require",
    `client_tls_key_file = ${files.tlsKey}`,
    `client_tls_cert_file = ${files.tlsCert}`,
    `client_tls_ca_file = ${files.tlsCa}`,
    "client_tls_protocols = secure",
    "server_tls_sslmode = verify-ca",
    `server_tls_ca_file = ${files.tlsCa}`,
    "server_tls_protocols = secure",
    "",
    `%include ${files.pgbouncerLive}`,
    "",
  ].join("\n");
}

/** A member as PgBouncer reaches it: a network alias (port 5432), or a host address and published port. */
export type BackendHost = string | { host: string; port: number };

export interface PgbouncerTopology {
  /** The member holding the primary role: its network alias on one host, its host's address and port on several. */
  primaryHost: BackendHost;
  /** The standbys; the read-only database falls back to the primary without any. */
  standbyHosts: BackendHost[];
}

/** `host=a,b port=p` (one port when every backend has the same, as on one host) or `port=p1,p2`. */
export function backendTarget(hosts: BackendHost[]): string {
  const all = hosts.map((h) => (typeof h === "string" ? { host: h, port: CONTAINER_PORTS.postgres } : h));
  const ports = [...new Set(all.map((h) => h.port))];
  return `host=${all.map((h) => h.host).join(",")} port=${ports.length === 1 ? ports[0] : all.map((h) => h.port).join(",")}`;
}

/**
 * The live part of PgBouncer's configuration: pools and the two databases. It continues the
 * [pgbouncer] section of pgbouncer.ini, which includes it last.
 */
export function renderPgbouncerLiveIni(s: Pick<StackSettings, "pgbouncer" | "database">, topology: PgbouncerTopology): string {
  const pg = s.pgbouncer;
  const roHosts = topology.standbyHosts.length > 0 ? topology.standbyHosts : [topology.primaryHost];
  const target = (hosts: BackendHost[]) => `${backendTarget(hosts)} dbname=${s.database}`;
  return [
    "; pgbouncer.live.ini rendered by pgstack: re-read on SIGHUP, no restart.",
    // No [pgbouncer] header: pgbouncer.ini includes this file inside its own [pgbouncer] section,
    // and a second [pgbouncer] section resets what the first set (listen_addr, auth_type,
    // admin_users, stats_users) to PgBouncer's defaults, on start and on every reload.
    `pool_mode = ${pg.poolMode}`,
    `default_pool_size = ${pg.defaultPoolSize}`,
    `min_pool_size = ${pg.minPoolSize}`,
    `max_client_conn = ${pg.maxClientConn}`,
    // Prepared statements keep working in transaction mode (PgBouncer tracks them per server connection).
    "max_prepared_statements = 200",
    // JDBC drivers send extra_float_digits at startup; PgBouncer would otherwise refuse them.
    "ignore_startup_parameters = extra_float_digits",
    // Re-resolve member aliases quickly, so a moved primary is found.
    "dns_max_ttl = 5",
    // After a failed login to a member (the primary that just died), PgBouncer holds new clients
    // until it retries: 15 s by default, which would outlast a failover by far. Retry after 1 s,
    // and give up a connect to a member that vanished after 5 s instead of 15.
    "server_login_retry = 1",
    "server_connect_timeout = 5",
    "",
    "[databases]",
    `${s.database} = ${target([topology.primaryHost])}`,
    `${readOnlyDatabase(s.database)} = ${target(roHosts)}`,
    "",
  ].join("\n");
}

/** PgBouncer's auth_file: one `"user" "SCRAM verifier"` line per user, never a plaintext password. */
export function renderUserlist(verifiers: Record<string, string>): string {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return (
    Object.keys(verifiers)
      .sort()
      .map((user) => `${quote(user)} ${quote(verifiers[user])}`)
      .join("\n") + "\n"
  );
}
