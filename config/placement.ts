import { isIP } from "node:net";
import { exporterPart, PGBOUNCER_EXPORTER_PART } from "./monitoring";
import { postgresExporterPort } from "./portPlan";
import type { DockerHostSettings, StackSettings } from "./settings";
import { CONTAINER_PORTS } from "./containerPaths";
import { clusterMembers, connectHost, memberNames } from "./topology";

const CONTAINER_POSTGRES_PORT = CONTAINER_PORTS.postgres;

/**
 * Where each part of the stack runs (pgstack:hosts, pgstack:placement), pure: which Docker host,
 * which address its port is published on, and the endpoint other hosts and the Pulumi runner
 * reach it at. On one host every value is what pgstack always used: ports published on
 * bindAddress, reached at connectHost(bindAddress).
 */

/** The parts pgstack:placement can place: the members, PgBouncer and the backup container. */
export function placeableParts(replicas: number): string[] {
  return [...memberNames(replicas), "pgbouncer", "backup"];
}

type HostsAndPlacement = Pick<StackSettings, "hosts" | "placement">;

/** More than one Docker host: parts reach each other through host addresses, not one Docker network. */
export function isMultiHost(s: Pick<StackSettings, "hosts">): boolean {
  return s.hosts.length > 1;
}

/**
 * The host of a placeable part: its pgstack:placement entry, else the first host. An exporter
 * runs beside what it exports (`replica-1-exporter` with replica-1, `pgbouncer-exporter` with
 * PgBouncer).
 */
export function hostOf(s: HostsAndPlacement, part: string): DockerHostSettings {
  const target = part === PGBOUNCER_EXPORTER_PART ? "pgbouncer" : part.endsWith("-exporter") ? part.slice(0, -"-exporter".length) : part;
  const name = s.placement[target];
  const host = name === undefined ? s.hosts[0] : s.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`pgstack:placement.${target} names ${name}, which is not in pgstack:hosts (${s.hosts.map((h) => h.name).join(", ")})`);
  return host;
}

/** An address nothing listens on to be reached at (0.0.0.0, ::). */
export const isUnspecified = (address: string) => address === "0.0.0.0" || address === "::";

/** This machine only: 127.0.0.0/8, ::1, localhost. */
export const isLoopback = (address: string) => address === "localhost" || address === "::1" || (isIP(address) === 4 && address.startsWith("127."));

/**
 * The host address a part's ports are published on. One host: bindAddress, as always. Several:
 * every host publishes on its own address (0.0.0.0 when the address is a DNS name, or when
 * bindAddress asks for every interface), since other hosts must reach it there.
 */
export function publishAddress(s: Pick<StackSettings, "hosts" | "bindAddress">, host: DockerHostSettings): string {
  if (!isMultiHost(s) || isUnspecified(s.bindAddress)) return s.bindAddress;
  return isIP(host.address) !== 0 ? host.address : "0.0.0.0";
}

/**
 * The address others connect to for a port of `host`. One host: connectHost(bindAddress), as
 * always (parseStackConfig makes an explicit host's address agree with it), or the host's own
 * address when bindAddress is every interface (a remote engine's).
 */
export function reachAddress(s: Pick<StackSettings, "hosts" | "bindAddress">, host: DockerHostSettings): string {
  if (isMultiHost(s)) return host.address;
  return connectHost(isUnspecified(s.bindAddress) ? host.address : s.bindAddress);
}

export interface PlacedPart {
  /** `primary`, `replica-<i>`, `pgbouncer`, `backup`, `<member>-exporter`, `pgbouncer-exporter`. */
  part: string;
  host: DockerHostSettings;
  /** Its published port: the address it binds to on its host and the port; none for the backup container. */
  published?: { ip: string; port: number };
  /** Where other hosts and the Pulumi runner reach that port; none for the backup container. */
  endpoint?: { host: string; port: number };
}

export interface StackTopology {
  multiHost: boolean;
  /** Every configured host, by name; the first runs what placement does not name. */
  hosts: DockerHostSettings[];
  /** The hosts some part runs on, in pgstack:hosts order. */
  usedHosts: DockerHostSettings[];
  parts: PlacedPart[];
}

/**
 * The whole stack's topology: every part (members, PgBouncer, backup, and with pgstack:monitoring
 * the exporters) with its host, published address and endpoint.
 */
export function stackTopology(s: Pick<StackSettings, "hosts" | "placement" | "bindAddress" | "replicas" | "ports" | "monitoring">): StackTopology {
  const place = (part: string, port?: number): PlacedPart => {
    const host = hostOf(s, part);
    if (port === undefined) return { part, host };
    return { part, host, published: { ip: publishAddress(s, host), port }, endpoint: { host: reachAddress(s, host), port } };
  };
  const parts = [...clusterMembers(s).map((m) => place(m.name, m.hostPort)), place("pgbouncer", s.ports.pgbouncer), place("backup")];
  if (s.monitoring.enabled) {
    for (const m of memberNames(s.replicas)) parts.push(place(exporterPart(m), postgresExporterPort(s, m)));
    parts.push(place(PGBOUNCER_EXPORTER_PART, s.monitoring.ports.pgbouncerExporter));
  }
  const used = new Set(parts.map((p) => p.host.name));
  return { multiHost: isMultiHost(s), hosts: s.hosts, usedHosts: s.hosts.filter((h) => used.has(h.name)), parts };
}

/** The part named `part` of a topology (throws for a part the stack does not have). */
export function placedPart(t: StackTopology, part: string): PlacedPart {
  const found = t.parts.find((p) => p.part === part);
  if (!found) throw new Error(`${part} is not a part of this stack (${t.parts.map((p) => p.part).join(", ")})`);
  return found;
}

/**
 * What a preview should warn about in a multi-host stack (config/parseStackConfig.ts refuses what
 * cannot work; these can, but protect less than they seem to): a replica on the primary's host,
 * and backups in a volume, which exists once per host.
 */
export function placementWarnings(s: Pick<StackSettings, "hosts" | "placement" | "replicas" | "syncReplicas" | "primaryMember" | "backup">): string[] {
  if (!isMultiHost(s)) return [];
  const warnings: string[] = [];
  const primaryHost = hostOf(s, s.primaryMember).name;
  const standbys = memberNames(s.replicas).filter((m) => m !== s.primaryMember);
  const onPrimaryHost = standbys.filter((m) => hostOf(s, m).name === primaryHost);
  const others = s.hosts.map((h) => h.name).filter((h) => h !== primaryHost);
  for (const m of onPrimaryHost) {
    const how = s.placement[m] === undefined ? " (pgstack:placement does not name it: the first host)" : "";
    warnings.push(
      `pgstack:placement.${m}: ${m} runs on ${primaryHost}, the host of the primary (${s.primaryMember})${how}; ` +
        `it protects nothing from the loss of that host: place it on another host (${others.join(", ")})`,
    );
  }
  if (s.syncReplicas > 0 && onPrimaryHost.length >= s.syncReplicas && onPrimaryHost.length < standbys.length) {
    warnings.push(
      `pgstack:syncReplicas ${s.syncReplicas}: ${onPrimaryHost.join(", ")} on ${primaryHost} can acknowledge a commit alone, ` +
        `so an acknowledged commit may exist only on ${primaryHost} and be lost with it; place replicas so fewer than ${s.syncReplicas} share the primary's host`,
    );
  }
  if (s.backup.hostPath === "") {
    warnings.push(
      `pgstack:backup.hostPath is empty: the <stack>-backups volume exists once per Docker host, so WAL archived by the primary on ${primaryHost} ` +
        `is not where the backup container on ${hostOf(s, "backup").name} or a promoted replica on another host looks; set it to storage every host mounts at the same path`,
    );
  }
  return warnings;
}

/** A host and port something connects to. */
export interface Endpoint {
  host: string;
  port: number;
}

/**
 * Where the other members, PgBouncer and the backup container reach member `member`'s
 * PostgreSQL. One host: its alias on the stack network, port 5432, as always. Several: its host's
 * address and published port, since there is no network all of them share (a part on the same
 * host takes the same road, so a failover that moves a role changes nothing but the target).
 */
export function peerEndpoint(s: Pick<StackSettings, "hosts" | "placement" | "bindAddress" | "replicas" | "ports">, member: string): Endpoint {
  if (!isMultiHost(s)) return { host: member, port: CONTAINER_POSTGRES_PORT };
  const m = clusterMembers(s).find((c) => c.name === member);
  if (!m) throw new Error(`${member} is not a member of this stack`);
  return { host: reachAddress(s, hostOf(s, member)), port: m.hostPort };
}

/** Where the Pulumi runner (dynamic providers, the streaming check, failover) reaches a member. */
export function runnerEndpoint(s: Pick<StackSettings, "hosts" | "placement" | "bindAddress" | "replicas" | "ports">, member: string): Endpoint {
  const m = clusterMembers(s).find((c) => c.name === member);
  if (!m) throw new Error(`${member} is not a member of this stack`);
  return { host: reachAddress(s, hostOf(s, member)), port: m.hostPort };
}

/** The Docker engine of a host as a docker CLI sees it: DOCKER_HOST, and for tcp:// its TLS client certificate. */
export interface DockerEngine {
  /** DOCKER_HOST URL; undefined: the environment's own engine. */
  host?: string;
  certPath?: string;
}

/** The engine a part's Docker commands go to: none (the environment's) on one host. */
export function engineOf(s: Pick<StackSettings, "hosts" | "placement">, part: string): DockerEngine {
  if (!isMultiHost(s)) return {};
  const h = hostOf(s, part);
  return { ...(h.docker ? { host: h.docker } : {}), ...(h.certPath ? { certPath: h.certPath } : {}) };
}

/**
 * The environment a `docker` command needs to reach `engine` (DOCKER_HOST, and DOCKER_CERT_PATH
 * with DOCKER_TLS_VERIFY for tcp://); empty for the environment's own engine. No secrets: a
 * certificate directory's path, never its keys.
 */
export function dockerEnvironment(engine: DockerEngine): Record<string, string> {
  return {
    ...(engine.host ? { DOCKER_HOST: engine.host } : {}),
    ...(engine.certPath ? { DOCKER_CERT_PATH: engine.certPath, DOCKER_TLS_VERIFY: "1" } : {}),
  };
}

/**
 * The addresses of the stack's hosts in pg_hba's ADDRESS form (an IP as /32 or /128, a DNS name as
 * is): in a multi-host stack members of other hosts connect from there. None on one host.
 */
export function peerHbaAddresses(s: Pick<StackSettings, "hosts">): string[] {
  if (!isMultiHost(s)) return [];
  return [...new Set(s.hosts.map((h) => (isIP(h.address) === 4 ? `${h.address}/32` : isIP(h.address) === 6 ? `${h.address}/128` : h.address)))];
}
