import type { StackSettings } from "./settings";
import { clusterMembers, memberNames } from "./topology";

/** Every host port a stack publishes, with the config key that sets it. */
export interface PlannedPort {
  port: number;
  /** What listens there, for people: `primary`, `replica-2's postgres_exporter`, … */
  what: string;
  /** The `pgstack:` key (without the namespace) that sets this port. */
  key: string;
}

/** Where the exporters listen inside their containers (their own defaults). */
export const EXPORTER_PORTS = { postgres: 9187, pgbouncer: 9127 } as const;

/** Host port of the postgres_exporter of `member` (primary: the base, replica-i: base + i). */
export function postgresExporterPort(s: Pick<StackSettings, "monitoring">, member: string): number {
  const index = member === "primary" ? 0 : Number(/^replica-(\d+)$/.exec(member)?.[1]);
  if (!Number.isInteger(index)) throw new Error(`${member} is not a member name`);
  return s.monitoring.ports.postgresExporterBase + index;
}

/** The stack's port plan: members, PgBouncer and, with monitoring on, every exporter. */
export function portPlan(s: Pick<StackSettings, "replicas" | "ports" | "monitoring">): PlannedPort[] {
  const plan: PlannedPort[] = clusterMembers(s).map((m, i) => ({ port: m.hostPort, what: m.name, key: i === 0 ? "ports.primary" : "ports.replicaBase" }));
  plan.push({ port: s.ports.pgbouncer, what: "pgbouncer", key: "ports.pgbouncer" });
  if (s.monitoring.enabled) {
    for (const m of memberNames(s.replicas)) {
      plan.push({ port: postgresExporterPort(s, m), what: `${m}'s postgres_exporter`, key: "monitoring.ports.postgresExporterBase" });
    }
    plan.push({ port: s.monitoring.ports.pgbouncerExporter, what: "pgbouncer_exporter", key: "monitoring.ports.pgbouncerExporter" });
  }
  return plan;
}

/**
 * Ports the plan gives twice where an exporter is involved (members and PgBouncer check their own
 * ports already), reported on the exporter's key, once per clash.
 */
export function portCollisions(plan: PlannedPort[]): { key: string; port: number; other: string }[] {
  const clashes: { key: string; port: number; other: string }[] = [];
  plan.forEach((p, i) => {
    if (!p.key.startsWith("monitoring.")) return;
    const other = plan.find((q, j) => j !== i && q.port === p.port && (j < i || !q.key.startsWith("monitoring.")));
    if (other) clashes.push({ key: p.key, port: p.port, other: `${other.what} (pgstack:${other.key})` });
  });
  return clashes;
}
