import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, type ConnectionInputs } from "../../providers/connection";
import { PostgresRoleProvider } from "../../providers/PostgresRole";
import { tlsCertRequest, tlsLocallySignedCert, tlsPrivateKey, tlsSelfSignedCert } from "../e2e/harness/handlers/tls";
import { createNetwork, exec, removeAllWithPrefix, uniquePrefix } from "../support/docker";
import { createPrimary, randomPassword, waitForPostgres, type PostgresNode } from "../support/postgresFixture";

// The providers' connection over TLS against a real PostgreSQL 17 that refuses plaintext the way
// pgstack's pg_hba.conf does: verify-full with the right CA works, a foreign CA or a name the
// certificate lacks fails at once, without retries, and never with the password in the message.

const prefix = uniquePrefix("tls");
const superuserPassword = randomPassword();
let primary: PostgresNode;
let admin: ConnectionInputs;
let ca: string;
let foreign: string;

async function issue(names: { dns: string[]; ips: string[] }) {
  const caKey = String((await tlsPrivateKey.create({ algorithm: "ECDSA", ecdsaCurve: "P256" }, "ca-key")).outputs.privateKeyPem);
  const caCert = String(
    (await tlsSelfSignedCert.create({ privateKeyPem: caKey, isCaCertificate: true, subject: { commonName: "it CA" }, validityPeriodHours: 24, allowedUses: ["cert_signing"] }, "ca")).outputs.certPem,
  );
  const key = String((await tlsPrivateKey.create({ algorithm: "ECDSA", ecdsaCurve: "P256" }, "key")).outputs.privateKeyPem);
  const csr = String((await tlsCertRequest.create({ privateKeyPem: key, subject: { commonName: "primary" }, dnsNames: names.dns, ipAddresses: names.ips }, "csr")).outputs.certRequestPem);
  const cert = String(
    (await tlsLocallySignedCert.create({ certRequestPem: csr, caPrivateKeyPem: caKey, caCertPem: caCert, validityPeriodHours: 24, allowedUses: ["digital_signature", "server_auth"] }, "cert")).outputs.certPem,
  );
  return { caCert, key, cert };
}

async function failure(promise: Promise<unknown>): Promise<Error & { failureKind?: string; attempts?: number }> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, "expected a failure").toBeInstanceOf(Error);
  expect(error!.message).not.toContain(superuserPassword);
  return error!;
}

beforeAll(async () => {
  const network = await createNetwork(`${prefix}-net`);
  primary = await createPrimary({ image: inject("images").postgres, prefix, network, superuserPassword });
  admin = { host: primary.host, port: primary.port, user: "postgres", password: superuserPassword };
  await waitForPostgres(admin, { container: primary.container });
  const served = await issue({ dns: ["primary"], ips: ["127.0.0.1"] });
  ca = served.caCert;
  foreign = (await issue({ dns: ["primary"], ips: ["127.0.0.1"] })).caCert;
  // TLS on and plaintext refused, applied with a reload (ssl is reloadable), as pgstack renders it.
  const install = [
    "set -eu",
    "d=/var/lib/postgresql/data",
    "cat > $d/server.crt <<'EOF'",
    served.cert.trimEnd(),
    "EOF",
    "cat > $d/server.key <<'EOF'",
    served.key.trimEnd(),
    "EOF",
    "chown postgres $d/server.crt $d/server.key && chmod 600 $d/server.key",
    "printf \"ssl = on\\nssl_cert_file = 'server.crt'\\nssl_key_file = 'server.key'\\n\" >> $d/postgresql.conf",
    "printf 'local all all trust\\nhostnossl all all all reject\\nhostssl all all all scram-sha-256\\n' > $d/pg_hba.conf",
    "setpriv --reuid=postgres --regid=postgres --init-groups psql -XAtq -c 'select pg_reload_conf()'",
  ].join("\n");
  const r = await exec(primary.container, ["bash", "-c", install]);
  expect(r.code, r.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await removeAllWithPrefix(prefix);
}, 60_000);

describe("connect over TLS", () => {
  it("verifies the server against the CA and the host name, and the session is encrypted", async () => {
    const client = await connect({ ...admin, caCertificate: ca, connectTimeoutSeconds: 30 });
    try {
      const { rows } = await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await client.end();
    }
    // A provider creates a role over that connection.
    const made = await new PostgresRoleProvider().create({ ...admin, caCertificate: ca, roleName: "over_tls", login: true, replication: false });
    expect(made.outs).toMatchObject({ roleName: "over_tls" });
  }, 60_000);

  it("is refused without TLS, by pg_hba.conf, at once", async () => {
    const error = await failure(connect({ ...admin, connectTimeoutSeconds: 20 }));
    expect(error.message).toMatch(/no encryption/);
    expect(error.failureKind).toBe("authentication");
    expect(error.attempts).toBe(1);
  }, 60_000);

  it("refuses a server another CA vouches for, or whose certificate does not name the host, without retrying", async () => {
    const wrongCa = await failure(connect({ ...admin, caCertificate: foreign, connectTimeoutSeconds: 20 }));
    expect(wrongCa.message).toMatch(/certificate/);
    expect(wrongCa.attempts).toBe(1);
    const wrongName = await failure(connect({ ...admin, host: "localhost", caCertificate: ca, connectTimeoutSeconds: 20 }));
    expect(wrongName.message).toMatch(/altnames|does not match/i);
    expect(wrongName.attempts).toBe(1);
  }, 60_000);
});
