import { isIP } from "node:net";
import { hostOf, isLoopback, isMultiHost, isUnspecified, placeableParts } from "./placement";
import type { DockerHostSettings, StackSettings } from "./settings";
import { memberNames } from "./topology";

/**
 * pgstack:hosts and pgstack:placement, parsed and checked (parseStackConfig.ts calls these). A
 * problem is reported on the exact key (`hosts.db2.address`, `placement.replica-1`), without the
 * `pgstack:` namespace, which the caller adds.
 */
export type Report = (key: string, value: unknown, message: string) => void;

/** The one host of a stack that sets no pgstack:hosts: the local engine. */
export const DEFAULT_HOST_NAME = "local";
export const HOST_FIELDS = ["docker", "address", "certPath"] as const;
const HOST_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const EXAMPLE = '{ db1: { docker: "ssh://admin@db1.example.com", address: "db1.example.com" }, db2: { docker: "tcp://10.0.0.6:2376", address: "10.0.0.6", certPath: "/etc/pgstack/db2-certs" } }';

/** A DNS name: dot-separated labels of letters, digits and inner hyphens; not a dotted number. */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.replace(/\.$/, "").split(".");
  const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  return labels.every((l) => label.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** An address a host can be reached at: an IP address or a DNS name. */
export const isHostAddress = (address: string) => isIP(address) !== 0 || isDnsName(address);

/** Why `url` is not a Docker engine URL pgstack can use, or undefined when it is. */
export function dockerUrlProblem(url: string): string | undefined {
  const allowed = "must be a Docker engine URL: unix:///var/run/docker.sock, tcp://<host>:<port> (TLS) or ssh://[user@]<host>[:port]";
  const scheme = /^([a-z]+):\/\//.exec(url)?.[1];
  if (scheme === "unix") {
    return /^unix:\/\/\/[A-Za-z0-9._\/-]+$/.test(url) && !url.split("/").includes("..") ? undefined : `${allowed}; a unix socket needs an absolute path`;
  }
  if (scheme !== "tcp" && scheme !== "ssh") return allowed;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return allowed;
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!isHostAddress(hostname)) return `${allowed}; ${JSON.stringify(parsed.hostname)} is not an IP address or a DNS name`;
  if (parsed.pathname !== "" && parsed.pathname !== "/") return `${allowed}; no path after the host`;
  if (parsed.search || parsed.hash || parsed.password) return `${allowed}; no query, fragment or password`;
  if (scheme === "tcp") {
    if (parsed.username) return `${allowed}; tcp:// takes no user`;
    if (parsed.port === "") return `${allowed}; tcp:// needs the engine's port (2376 for TLS)`;
  }
  if (scheme === "ssh" && parsed.username && !/^[a-z_][a-z0-9_.-]*$/i.test(parsed.username)) return `${allowed}; ${JSON.stringify(parsed.username)} is not a user name`;
  return undefined;
}

function objectValue(value: unknown): { obj?: Record<string, unknown>; bad: boolean } {
  let v = value;
  if (v === undefined || v === "") return { bad: false };
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return { bad: true };
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { bad: true };
  return { obj: v as Record<string, unknown>, bad: false };
}

/**
 * pgstack:hosts: `{ <name>: { docker?, address, certPath? } }`, sorted by name (the real Pulumi
 * CLI hands object keys to the program sorted, so "the first host" must mean the first by name).
 * Unset or `{}`: one host `local`, the environment's engine, at bindAddress.
 */
export function parseHosts(value: unknown, bindAddress: string, bindAddressGiven: boolean, report: Report): DockerHostSettings[] {
  const fallback: DockerHostSettings[] = [{ name: DEFAULT_HOST_NAME, address: bindAddress }];
  const { obj, bad } = objectValue(value);
  if (bad) {
    report("hosts", value, `must be an object of named Docker hosts, each { docker, address, certPath? }, such as ${EXAMPLE}`);
    return fallback;
  }
  if (!obj || Object.keys(obj).length === 0) return fallback;

  const hosts: DockerHostSettings[] = [];
  for (const name of Object.keys(obj).sort()) {
    const key = `hosts.${name}`;
    const entry = obj[name];
    if (!HOST_NAME.test(name)) {
      report(key, entry, "a host name is lower-case letters, digits and '-', starting with a letter, at most 32 characters");
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      report(key, entry, `must be an object with fields ${HOST_FIELDS.join(", ")}`);
      continue;
    }
    const e = entry as Record<string, unknown>;
    for (const field of Object.keys(e)) {
      if (!(HOST_FIELDS as readonly string[]).includes(field)) report(`${key}.${field}`, e[field], `unknown field; allowed: ${HOST_FIELDS.join(", ")}`);
    }
    const host: DockerHostSettings = { name, address: "" };
    if (e.docker !== undefined && e.docker !== "") {
      const problem = typeof e.docker === "string" ? dockerUrlProblem(e.docker) : "must be a Docker engine URL (a string)";
      if (problem) report(`${key}.docker`, e.docker, problem);
      else host.docker = e.docker as string;
    }
    if (typeof e.address !== "string" || !isHostAddress(e.address) || isUnspecified(e.address)) {
      report(`${key}.address`, e.address, "must be the IP address or DNS name other hosts and the Pulumi runner reach this host at, such as 10.0.0.5 or db1.example.com");
    } else {
      host.address = e.address;
    }
    if (e.certPath !== undefined && e.certPath !== "") {
      if (typeof e.certPath !== "string" || !/^\/[A-Za-z0-9._\/-]*$/.test(e.certPath) || e.certPath.split("/").includes("..")) {
        report(`${key}.certPath`, e.certPath, "must be an absolute directory holding ca.pem, cert.pem and key.pem");
      } else if (!host.docker?.startsWith("tcp://")) {
        report(`${key}.certPath`, e.certPath, "is the TLS client certificate of a tcp:// engine; this host's docker is not tcp:// (ssh:// uses your SSH keys, unix:// the socket's permissions)");
      } else {
        host.certPath = e.certPath;
      }
    } else if (host.docker?.startsWith("tcp://")) {
      report(`${key}.certPath`, e.certPath, "a tcp:// engine needs TLS: name the directory with its client certificate (ca.pem, cert.pem, key.pem); an engine on plain TCP gives root on that host to anyone who reaches the port");
    }
    hosts.push(host);
  }
  if (hosts.length === 0) return fallback;

  if (hosts.length > 1) {
    for (const h of hosts.filter((h) => h.address !== "" && isLoopback(h.address))) {
      report(`hosts.${h.name}.address`, h.address, "is this machine's loopback, which no other host reaches: in a stack of several hosts give each the address the others reach it at");
    }
    const seen = { docker: new Map<string, string>(), address: new Map<string, string>() };
    for (const h of hosts) {
      const engine = h.docker ?? "(the environment's engine)";
      const first = seen.docker.get(engine);
      if (first) report(`hosts.${h.name}.docker`, h.docker, `is the engine of host ${first} too: one engine is one host, and a replica "on another host" would share its fate`);
      else seen.docker.set(engine, h.name);
      const sameAddress = h.address && seen.address.get(h.address);
      if (sameAddress) report(`hosts.${h.name}.address`, h.address, `is host ${sameAddress}'s address too: two hosts need two addresses (their published ports would collide)`);
      else if (h.address) seen.address.set(h.address, h.name);
    }
    if (bindAddressGiven && !isUnspecified(bindAddress)) {
      report("bindAddress", bindAddress, "a stack of several hosts publishes each host's ports on that host's own address (pgstack:hosts.<name>.address); leave bindAddress unset, or 0.0.0.0 for every interface");
    }
  } else {
    const [h] = hosts;
    const agrees = isUnspecified(bindAddress) || h.address === bindAddress || (h.address === "localhost" && isLoopback(bindAddress));
    if (h.address !== "" && !agrees) {
      report(
        `hosts.${h.name}.address`,
        h.address,
        `a one-host stack publishes its ports on pgstack:bindAddress ${bindAddress}, which ${h.address} does not reach: set bindAddress to ${isIP(h.address) ? h.address : "this host's IP address"} or 0.0.0.0, or give the host the address ${bindAddress}`,
      );
    }
  }
  return hosts;
}

/** pgstack:placement: `{ <part>: <host name> }` for the parts of this stack; the rest run on the first host. */
export function parsePlacement(value: unknown, hosts: DockerHostSettings[], replicas: number, report: Report): Record<string, string> {
  const parts = placeableParts(replicas);
  const { obj, bad } = objectValue(value);
  if (bad) {
    report("placement", value, `must be an object naming a host of pgstack:hosts for some of ${parts.join(", ")}, such as { primary: db1, replica-1: db2 }`);
    return {};
  }
  const placement: Record<string, string> = {};
  const names = hosts.map((h) => h.name);
  for (const [part, host] of Object.entries(obj ?? {})) {
    const key = `placement.${part}`;
    if (!parts.includes(part)) {
      const replica = /^replica-(\d+)$/.exec(part);
      report(key, host, replica ? `this stack has ${replicas} replica(s) (pgstack:replicas), so no ${part}; parts: ${parts.join(", ")}` : `not a part pgstack places; parts: ${parts.join(", ")}`);
      continue;
    }
    if (typeof host !== "string" || !names.includes(host)) {
      report(key, host, `unknown host: pgstack:hosts has ${names.join(", ")}`);
      continue;
    }
    placement[part] = host;
  }
  return placement;
}

/**
 * The rule a placement must keep: with synchronous replication in a multi-host stack, some
 * replica must run off the primary's host, or losing that one host loses every copy of an
 * acknowledged commit. Each replica that shares the primary's host is reported.
 */
export function checkSynchronousPlacement(s: Pick<StackSettings, "hosts" | "placement" | "replicas" | "syncReplicas" | "primaryMember">, report: Report): void {
  if (!isMultiHost(s) || s.syncReplicas < 1) return;
  const members = memberNames(s.replicas);
  if (!members.includes(s.primaryMember)) return; // reported on pgstack:primaryMember
  const primaryHost = hostOf(s, s.primaryMember).name;
  const standbys = members.filter((m) => m !== s.primaryMember);
  if (standbys.length === 0 || standbys.some((m) => hostOf(s, m).name !== primaryHost)) return;
  const others = s.hosts.map((h) => h.name).filter((h) => h !== primaryHost);
  for (const m of standbys) {
    const which = standbys.length === 1 ? `${m}, the only replica,` : `${m}, like every replica,`;
    const unset = s.placement[m] === undefined ? " (not placed: the first host)" : "";
    report(
      `placement.${m}`,
      s.placement[m],
      `puts ${which} on ${primaryHost}, the primary's host${unset}, while pgstack:syncReplicas is ${s.syncReplicas}: losing ${primaryHost} would lose every copy of an acknowledged commit; place it on another host (${others.join(", ")})`,
    );
  }
}

/** Published ports by host: the parts that share a host and a port, the later one reported. */
export function hostPortClashes(
  s: Pick<StackSettings, "hosts" | "placement">,
  published: { part: string; port: number; key: string }[],
): { key: string; port: number; message: string }[] {
  const clashes: { key: string; port: number; message: string }[] = [];
  published.forEach((p, i) => {
    const host = hostOf(s, p.part).name;
    const other = published.slice(0, i).find((q) => q.port === p.port && hostOf(s, q.part).name === host);
    if (other) {
      clashes.push({ key: p.key, port: p.port, message: `publishes ${p.part} on port ${p.port} of host ${host}, where ${other.part} (pgstack:${other.key}) already is: two parts on one host need two ports` });
    }
  });
  return clashes;
}
