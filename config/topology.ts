import type { StackSettings } from "./settings";

/** One PostgreSQL member of the cluster: `primary`, `replica-1`, …; names never change. */
export interface Member {
  /** Member name, network alias, application_name and the suffix of its container's name. */
  name: string;
  /** Host port its 5432 is published on. */
  hostPort: number;
  /** Its physical replication slot on the primary (hyphens are not allowed in slot names). */
  slotName: string;
}

/** Member names for a cluster with `replicas` replicas. */
export function memberNames(replicas: number): string[] {
  return ["primary", ...Array.from({ length: replicas }, (_, i) => `replica-${i + 1}`)];
}

export function slotNameFor(member: string): string {
  return member.replace(/-/g, "_");
}

export function clusterMembers(s: Pick<StackSettings, "replicas" | "ports">): Member[] {
  return memberNames(s.replicas).map((name, i) => ({
    name,
    hostPort: i === 0 ? s.ports.primary : s.ports.replicaBase + i - 1,
    slotName: slotNameFor(name),
  }));
}

/** The member holding the primary role and the members streaming from it. */
export function roles(s: Pick<StackSettings, "replicas" | "ports" | "primaryMember">): { primary: Member; standbys: Member[] } {
  const members = clusterMembers(s);
  const primary = members.find((m) => m.name === s.primaryMember);
  if (!primary) throw new Error(`pgstack:primaryMember ${s.primaryMember} is not a member (${members.map((m) => m.name).join(", ")})`);
  return { primary, standbys: members.filter((m) => m !== primary) };
}

/** A host address clients on this host can connect to, for a published port bound to `bindAddress`. */
export function connectHost(bindAddress: string): string {
  if (bindAddress === "0.0.0.0") return "127.0.0.1";
  if (bindAddress === "::") return "::1";
  return bindAddress;
}

/** `host:port` as people write it (IPv6 addresses in brackets). */
export function endpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Docker object names: prefixed with the stack, so two stacks never collide on one host. */
export const names = {
  network: (stack: string) => `pgstack-${stack}`,
  container: (stack: string, part: string) => `${stack}-${part}`,
  dataVolume: (stack: string, member: string) => `${stack}-${member}-data`,
  backupVolume: (stack: string) => `${stack}-backups`,
};
