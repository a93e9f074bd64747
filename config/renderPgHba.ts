/**
 * pg_hba.conf: SCRAM only, no `trust` anywhere. `samenet` is the stack's Docker network as seen
 * from inside the member (its only network), so replication and superuser logins are accepted only
 * from there; published-port clients on the Docker host reach members through that network's
 * gateway. Everyone else may log in with SCRAM to ordinary databases.
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

export function renderPgHba(options: PgHbaOptions): string {
  const peers = options.peerAddresses ?? [];
  const rows: string[][] = [
    ["local", "all", "postgres", "", "peer"],
    ["local", "all", "all", "", "scram-sha-256"],
    ...options.replicationRoles.map((role) => ["host", "replication", role, "samenet", "scram-sha-256"]),
    ...peers.flatMap((address) => options.replicationRoles.map((role) => ["host", "replication", role, address, "scram-sha-256"])),
    ["host", "replication", "all", "all", "reject"],
    ["host", "all", "postgres", "samenet", "scram-sha-256"],
    ["host", "all", "postgres", "all", peers.length > 0 ? "scram-sha-256" : "reject"],
    ["host", "all", "all", "all", "scram-sha-256"],
  ];
  const widths = [6, 12, 16, peers.length > 0 ? Math.max(8, ...peers.map((a) => a.length)) : 8];
  const lines = rows.map((r) => r.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]) : cell)).join("  ").trimEnd());
  return [
    "# pg_hba.conf rendered by pgstack: SCRAM only; replication and superuser only from the stack's network.",
    "# TYPE  DATABASE      USER              ADDRESS   METHOD",
    ...lines,
    "",
  ].join("\n");
}
