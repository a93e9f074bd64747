import { connect, type ConnectionInputs } from "./connection";

// Which member of the cluster answers as the primary, asked quickly of each: the primary guard
// (a stale config after a failover) and a slot whose server is gone both need it. Module-level
// functions only: providers that use this are serialized with it into the engine's process.

/** One member's published endpoint. */
export interface MemberEndpoint {
  name: string;
  host: string;
  port: number;
}

export interface MemberRole {
  name: string;
  /** "primary", "standby", or "unreachable" (down, not created yet, or refusing us). */
  role: "primary" | "standby" | "unreachable";
}

/**
 * Asks one member, once, whether it is in recovery, giving it two seconds to answer. Once: the
 * question is who answers now, and on a fresh stack nothing does (retrying "connection refused"
 * would only delay the first deploy).
 */
export async function probeRole(member: MemberEndpoint, user: string, password: string, caCertificate?: string): Promise<MemberRole> {
  const info: ConnectionInputs = { host: member.host, port: member.port, user, password, connectTimeoutSeconds: 2, statementTimeoutMs: 5000, maxAttempts: 1, caCertificate };
  try {
    const client = await connect(info);
    try {
      const { rows } = await client.query("select pg_is_in_recovery() as standby");
      return { name: member.name, role: rows[0].standby ? "standby" : "primary" };
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch {
    return { name: member.name, role: "unreachable" };
  }
}
