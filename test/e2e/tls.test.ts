import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { HarnessResult } from "./harness/result";
import { containerIdentities, outputsOf, superuserConnection } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { expectFreshCluster, partsOf } from "./support/freshDeploy";
import { leftovers } from "./support/leftovers";
import { fromUrl, parseEndpoint, query, verifyFull } from "./support/pg";
import { pollUntil } from "./support/poll";
import { foreignCa, servedCertificate, type ServedCertificate } from "./support/tlsProbe";

// TLS on every connection (issue 11), on the staging shape with two replicas: replication and
// PgBouncer over verified TLS, plaintext and foreign CAs refused, and a certificate renewal that
// reaches the servers with a reload, never a new container.

const REPLICAS = 2;
const stack = new E2EStack({
  stack: "e2e-tls",
  configFrom: "staging",
  config: { images: inject("images"), replicas: REPLICAS, ports: { primary: 40432, replicaBase: 40433, pgbouncer: 40440 } },
  timeoutMs: 600_000,
});
const SERVERS = ["primary", "replica-1", "replica-2", "pgbouncer"] as const;
let first: HarnessResult;

const outputs = () => outputsOf(first);
const endpointOf = (server: (typeof SERVERS)[number]) => {
  const o = outputs();
  if (server === "primary") return parseEndpoint(o.primaryEndpoint);
  if (server === "pgbouncer") return parseEndpoint(o.pgbouncerEndpoint);
  return parseEndpoint(o.replicaEndpoints[Number(server.slice("replica-".length)) - 1]);
};
async function served(): Promise<Record<string, ServedCertificate>> {
  const out: Record<string, ServedCertificate> = {};
  for (const server of SERVERS) out[server] = await servedCertificate(endpointOf(server).host, endpointOf(server).port);
  return out;
}
/** Each walsender on the primary, with whether its connection is TLS. */
const walsenders = () =>
  query<{ name: string; ssl: boolean }>(
    superuserConnection(stack, outputs()),
    "SELECT r.application_name AS name, s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) ORDER BY 1",
  );

beforeAll(async () => {
  first = await stack.up();
}, 900_000);
afterAll(async () => {
  await stack.cleanup();
}, 600_000);

describe("TLS: a fresh deploy", () => {
  it("starts every container healthy and proves both replicas stream", async () => {
    await expectFreshCluster(stack, first, REPLICAS);
  });

  it("exports the CA as a plain output and URLs that ask for verify-full", () => {
    expect(outputs().caCertificate).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/);
    expect(new URL(outputs().writeUrl).searchParams.get("sslmode")).toBe("verify-full");
    expect(new URL(outputs().readUrl).searchParams.get("sslmode")).toBe("verify-full");
  });

  it("streams to every replica over TLS (pg_stat_ssl of each walsender)", async () => {
    expect(await walsenders()).toEqual([
      { name: "replica-1", ssl: true },
      { name: "replica-2", ssl: true },
    ]);
  });

  it("serves certificates naming the host address and the member", async () => {
    const certs = await served();
    for (const server of SERVERS) {
      expect(certs[server].subjectAltName, server).toContain("IP Address:127.0.0.1");
      expect(certs[server].subjectAltName, server).toContain(`DNS:${server}`);
      expect(certs[server].subjectAltName, server).toContain(`DNS:${stack.container(server)}`);
    }
  });
});

describe("TLS: who gets in", () => {
  it("connects with verify-full and the exported CA, directly and through PgBouncer (which uses TLS to the server too)", async () => {
    const ca = outputs().caCertificate;
    const direct = { ...superuserConnection(stack, outputs()), ssl: verifyFull(ca) };
    expect(await query(direct, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).toEqual([{ ssl: true }]);
    // Through PgBouncer, the session runs on PgBouncer's server connection: TLS as well.
    expect(await query(fromUrl(outputs().writeUrl, ca), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).toEqual([{ ssl: true }]);
    expect(await query(fromUrl(outputs().readUrl, ca), "SELECT ssl, pg_is_in_recovery() AS standby FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).toEqual([{ ssl: true, standby: true }]);
  });

  it("refuses a plaintext client at the primary and at PgBouncer, saying why", async () => {
    const plain = { ...superuserConnection(stack, outputs()), ssl: false };
    await expect(query(plain, "SELECT 1")).rejects.toThrow(/no encryption/);
    const app = { ...fromUrl(outputs().writeUrl, outputs().caCertificate), ssl: false };
    await expect(query({ ...app, ...endpointOf("replica-1") }, "SELECT 1")).rejects.toThrow(/no encryption/);
    await expect(query(app, "SELECT 1")).rejects.toThrow(/SSL required/);
  });

  it("refuses, under verify-full, a server whose certificate another CA vouches for, or that does not name the host", async () => {
    const wrong = await foreignCa();
    await expect(query({ ...superuserConnection(stack, outputs()), ssl: verifyFull(wrong) }, "SELECT 1")).rejects.toThrow(/self[- ]signed certificate|unable to (get|verify)/);
    await expect(query(fromUrl(outputs().writeUrl, wrong), "SELECT 1")).rejects.toThrow(/self[- ]signed certificate|unable to (get|verify)/);
    // The right CA, but a name the certificate does not carry.
    await expect(query({ ...fromUrl(outputs().writeUrl, outputs().caCertificate), host: "localhost" }, "SELECT 1")).rejects.toThrow(/altnames|does not match/i);
  });
});

describe("TLS: an unchanged redeploy", () => {
  it("changes nothing", async () => {
    expect(await stack.changes()).toEqual([]);
  }, 600_000);
});

describe("TLS: renewal drill", () => {
  /** A deploy that issues new certificates: new serials served, same containers, replication and clients over TLS still. */
  async function expectRenewed(run: () => Promise<HarnessResult>, label: string): Promise<void> {
    const containersBefore = await containerIdentities(stack, partsOf(REPLICAS));
    const before = await served();
    const result = await run();
    // Only certificates and the steps that write them changed; no container was touched.
    const changed = result.steps.filter((s) => s.op !== "same");
    expect(changed.filter((s) => s.type === "docker:index/container:Container"), label).toEqual([]);
    expect(changed.filter((s) => s.type === "tls:index/locallySignedCert:LocallySignedCert" && s.op === "replace").map((s) => s.name).sort(), label).toEqual(
      SERVERS.map((p) => `${p}-tls-cert`).sort(),
    );
    expect(changed.filter((s) => s.name.endsWith("-tls-files")).map((s) => [s.name, s.op]).sort(), label).toEqual(
      SERVERS.map((p) => [`${p}-tls-files`, "update"]).sort(),
    );
    expect(await containerIdentities(stack, partsOf(REPLICAS)), label).toEqual(containersBefore);
    first = result;
    // The reload is the servers' own, a moment after the signal.
    const after = await pollUntil(
      `every server serving its new certificate (${label})`,
      async () => {
        const now = await served();
        return SERVERS.every((s) => now[s].serial !== before[s].serial) ? now : undefined;
      },
      20_000,
    );
    for (const s of SERVERS) expect(after[s].serial, s).not.toBe(before[s].serial);
    expect(await walsenders(), label).toEqual([
      { name: "replica-1", ssl: true },
      { name: "replica-2", ssl: true },
    ]);
    expect(await query(fromUrl(outputs().writeUrl, outputs().caCertificate), "SELECT 1 AS ok"), label).toEqual([{ ok: 1 }]);
    expect(await query({ ...superuserConnection(stack, outputs(), outputs().replicaEndpoints[1]), ssl: verifyFull(outputs().caCertificate) }, "SELECT 1 AS ok"), label).toEqual([{ ok: 1 }]);
  }

  it("rotates every certificate with a reload when their validity changes", async () => {
    // A two-hour certificate renewed within two hours of its end: due for renewal at once.
    await expectRenewed(() => stack.up({ tls: { validityHours: 2, earlyRenewalHours: 2 } }), "validity changed");
  }, 900_000);

  it("renews certificates within their early renewal window on the next deploy, with a reload", async () => {
    await expectRenewed(() => stack.up({ tls: { validityHours: 2, earlyRenewalHours: 2 } }), "ready for renewal");
  }, 900_000);

  it("back on the default validity, issues year-long certificates and then has nothing left to change", async () => {
    await expectRenewed(() => stack.up(), "default validity");
    const certs = await served();
    for (const s of SERVERS) expect(Date.parse(certs[s].validTo) - Date.now(), s).toBeGreaterThan(360 * 24 * 3600_000);
    expect(await stack.changes()).toEqual([]);
  }, 900_000);
});

describe("TLS: tear-down", () => {
  it("leaves nothing the stack created after a destroy", async () => {
    const result = await stack.destroy();
    expect(result.steps.filter((s) => s.op !== "delete")).toEqual([]);
    expect(await leftovers(stack.stack)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 600_000);
});
