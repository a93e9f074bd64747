/**
 * pg_hba.conf: SCRAM only, no `trust` anywhere, and TLS for every connection from outside the
 * container. `samenet` is the stack's Docker network as seen from inside the member (its only
 * network), so replication and superuser logins are accepted only from there; published-port
 * clients on the Docker host reach members through that network's gateway. Everyone else may log
 * in with SCRAM to ordinary databases. The local socket and loopback keep working without TLS
 * (the entrypoint, healthchecks and live-settings steps use the socket); any other connection
 * without TLS meets a `hostnossl ... reject` line, which PostgreSQL reports as
 * "no pg_hba.conf entry ... no encryption".
 */
export interface PgHbaOptions {
  /** Roles allowed to open replication connections from the stack's network. */
  replicationRoles: string[];
  /**
   * A multi-host stack: the hosts' addresses (pg_hba form), which members of other hosts connect
   * from through published ports, and superuser logins from anywhere with SCRAM, since the Pulumi
   * runner reaches the members at their host addresses too. None on one host.
   */
  peerAddresses?: string[];
}

const LOOPBACK = ["127.0.0.1/32", "::1/128"];

export function renderPgHba(options: PgHbaOptions): string {
  const peers = options.peerAddresses ?? [];
  const rows: string[][] = [
    ["local", "all", "postgres", "", "peer"],
    ["local", "all", "all", "", "scram-sha-256"],
    ...LOOPBACK.flatMap((address) => [
      ...options.replicationRoles.map((role) => ["host", "replication", role, address, "scram-sha-256"]),
      ["host", "all", "all", address, "scram-sha-256"],
    ]),
    // Plaintext from anywhere else is refused before any password is asked for.
    ["hostnossl", "replication", "all", "all", "reject"],
    ["hostnossl", "all", "all", "all", "reject"],
    ...options.replicationRoles.map((role) => ["hostssl", "replication", role, "samenet", "scram-sha-256"]),
    ...peers.flatMap((address) => options.replicationRoles.map((role) => ["hostssl", "replication", role, address, "scram-sha-256"])),
    ["hostssl", "replication", "all", "all", "reject"],
    ["hostssl", "all", "postgres", "samenet", "scram-sha-256"],
    ["hostssl", "all", "postgres", "all", peers.length > 0 ? "scram-sha-256" : "reject"],
    ["hostssl", "all", "all", "all", "scram-sha-256"],
  ];
  const widths = [9, 12, 16, Math.max(13, ...peers.map((a) => a.length))];
  const lines = rows.map((r) => r.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]) : cell)).join("  ").trimEnd());
  return [
    "# pg_hba.conf rendered by pgstack: SCRAM only; TLS for every connection but the socket and loopback;",
    peers.length > 0 ? "# replication only from the stack's network and the hosts' addresses." : "# replication and superuser only from the stack's network.",
    "# TYPE     DATABASE      USER              ADDRESS        METHOD",
    ...lines,
    "",
  ].join("\n");
}
