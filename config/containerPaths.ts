/**
 * Where things live inside pgstack's containers. Scripts and renderers share these, and the
 * entrypoint creates what is not uploaded; nothing depends on an image's own layout.
 */
export const paths = {
  /** Uploaded scripts. */
  bin: "/pgstack/bin",
  /** Uploaded configuration rendered at deploy time (changes replace the container). */
  conf: "/pgstack/conf",
  /** Uploaded secrets, root-only; the entrypoint copies them to `run` for the postgres user. */
  secrets: "/pgstack/secrets",
  /** Files the entrypoint prepares and live configuration is written to, owned by postgres. */
  run: "/pgstack/run",
  /** Mount point of a member's data volume (the official image declares this VOLUME). */
  dataMount: "/var/lib/postgresql/data",
  /** PGDATA: a subdirectory, so the volume's root can hold nothing else PostgreSQL trips over. */
  pgdata: "/var/lib/postgresql/data/pgdata",
  /** Mount point of the backup storage (volume or host directory). */
  backups: "/var/lib/pgstack/backups",
  /** Mount point (read-only) of the storage a restore reads from. */
  restoreSource: "/var/lib/pgstack/restore-source",
  socketDir: "/var/run/postgresql",
  /** The member's key, certificate and the cluster CA, written by `pulumi up` (never uploaded: a rotation must not replace the container). */
  tls: "/pgstack/tls",
} as const;

export const files = {
  postgresqlConf: `${paths.conf}/postgresql.conf`,
  /** Settings that need a restart, written at every start from the container's command. */
  postgresqlRestart: `${paths.run}/postgresql.restart.conf`,
  pgHba: `${paths.conf}/pg_hba.conf`,
  /** Reloadable settings, written by `pulumi up` into PGDATA so they survive container replacement. */
  postgresqlLive: `${paths.pgdata}/pgstack.live.conf`,
  /** Written once by the entrypoint when a replica is cloned: where to stream from until `live` says. */
  postgresqlBootstrap: `${paths.pgdata}/pgstack.bootstrap.conf`,
  pgbouncerIni: `${paths.conf}/pgbouncer.ini`,
  pgbouncerLive: `${paths.run}/pgbouncer.live.ini`,
  pgbouncerUserlist: `${paths.run}/userlist.txt`,
  /** Superuser SCRAM verifier for initdb's --pwfile. */
  superuserVerifier: `${paths.secrets}/superuser.verifier`,
  /** libpq password file with the member's outgoing credentials (replicator, backup). */
  pgpassUpload: `${paths.secrets}/pgpass`,
  pgpass: `${paths.run}/pgpass`,
  /** This member's private key (0600, owned by postgres), certificate and the cluster CA. */
  tlsKey: `${paths.tls}/server.key`,
  tlsCert: `${paths.tls}/server.crt`,
  tlsCa: `${paths.tls}/ca.crt`,
} as const;

/** Port every member and PgBouncer listen on inside their containers. */
export const CONTAINER_PORTS = { postgres: 5432, pgbouncer: 6432 } as const;
