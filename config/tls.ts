import { isIP } from "node:net";
import { files } from "./containerPaths";
import { hostOf, reachAddress } from "./placement";
import type { StackSettings } from "./settings";
import { connectHost, names } from "./topology";

// TLS on every PostgreSQL and PgBouncer connection: what each member's certificate names and how
// long it lives. Pure, so the multi-host layout can pass each host's own addresses.

/** The names a server certificate is valid for, split as X.509 subjectAltName wants them. */
export interface SubjectAltNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/**
 * SANs of `part`'s certificate (`primary`, `replica-1`, `pgbouncer`): its network alias (what
 * replicas, PgBouncer and backups connect by inside the stack's network), its container name,
 * and the addresses clients reach its published port at (today the one host's `connectHost`).
 * A host address that is not an IP literal is a DNS name.
 */
export function certificateSans(
  s: Pick<StackSettings, "stack" | "bindAddress">,
  part: string,
  hostAddresses: string[] = [connectHost(s.bindAddress)],
): SubjectAltNames {
  const dns = [part, names.container(s.stack, part), ...hostAddresses.filter((a) => isIP(a) === 0)];
  const ips = hostAddresses.filter((a) => isIP(a) !== 0);
  return { dnsNames: [...new Set(dns)], ipAddresses: [...new Set(ips)] };
}

/** SANs of `part`'s certificate where it is placed: the address of its own host is what others verify it by. */
export function placedCertificateSans(s: Pick<StackSettings, "stack" | "bindAddress" | "hosts" | "placement">, part: string): SubjectAltNames {
  return certificateSans(s, part, [reachAddress(s, hostOf(s, part))]);
}

/**
 * libpq's settings that make a client verify the server against the cluster CA inside a
 * container. No client certificate: libpq would otherwise look for one in $HOME/.postgresql, and
 * the entrypoint keeps root's HOME, which postgres may not read ("Permission denied").
 */
export const CONTAINER_SSL_PARAMS = `sslmode=verify-full sslrootcert=${files.tlsCa} sslcertmode=disable`;

/** A postgresql:// URL's query that makes a client verify the server (it must trust the stack's caCertificate). */
export const URL_SSL_QUERY = "sslmode=verify-full";
