import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { tlsCertRequest, tlsLocallySignedCert, tlsPrivateKey, tlsSelfSignedCert } from "../../e2e/harness/handlers/tls";
import type { StateEntry } from "../../e2e/harness/state";

// The harness's tls provider: real keys and certificates that OpenSSL verifies, and the
// provider's rule that a certificate within earlyRenewalHours of its end is replaced.

const dir = mkdtempSync(path.join(tmpdir(), "pgstack-tls-handlers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const entry = (inputs: Record<string, unknown>, outputs: Record<string, unknown>) => ({ inputs, outputs }) as unknown as StateEntry;

async function chain(validityHours: number, earlyRenewalHours: number) {
  const caKey = (await tlsPrivateKey.create({ algorithm: "ECDSA", ecdsaCurve: "P256" }, "urn:ca-key")).outputs;
  const caInputs = { privateKeyPem: caKey.privateKeyPem, isCaCertificate: true, subject: { commonName: "t CA" }, validityPeriodHours: 87600, allowedUses: ["cert_signing", "crl_signing"] };
  const ca = (await tlsSelfSignedCert.create(caInputs, "urn:ca")).outputs;
  const key = (await tlsPrivateKey.create({ algorithm: "ECDSA", ecdsaCurve: "P256" }, "urn:key")).outputs;
  const request = (await tlsCertRequest.create({ privateKeyPem: key.privateKeyPem, subject: { commonName: "primary" }, dnsNames: ["primary", "t-primary"], ipAddresses: ["127.0.0.1"] }, "urn:req")).outputs;
  const certInputs = { certRequestPem: request.certRequestPem, caPrivateKeyPem: caKey.privateKeyPem, caCertPem: ca.certPem, validityPeriodHours: validityHours, earlyRenewalHours, allowedUses: ["digital_signature", "key_encipherment", "server_auth"] };
  const cert = (await tlsLocallySignedCert.create(certInputs, "urn:cert")).outputs;
  return { key, ca, cert, certInputs };
}

describe("harness tls handlers", () => {
  it("issue a chain OpenSSL verifies, with the request's names, for the given validity", async () => {
    const { key, ca, cert } = await chain(24, 1);
    expect(String(key.privateKeyPem)).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    writeFileSync(path.join(dir, "ca.pem"), String(ca.certPem));
    writeFileSync(path.join(dir, "cert.pem"), String(cert.certPem));
    expect(execFileSync("openssl", ["verify", "-CAfile", path.join(dir, "ca.pem"), path.join(dir, "cert.pem")], { encoding: "utf8", timeout: 30_000 })).toMatch(/: OK/);
    const x = new X509Certificate(String(cert.certPem));
    expect(x.subjectAltName).toBe("DNS:primary, DNS:t-primary, IP Address:127.0.0.1");
    expect(x.checkIssued(new X509Certificate(String(ca.certPem)))).toBe(true);
    expect(Date.parse(x.validTo) - Date.parse(x.validFrom)).toBe(24 * 3600_000);
    expect(Date.parse(String(cert.validityEndTime))).toBe(Date.parse(x.validTo));
  }, 60_000);

  it("keep a certificate outside its early renewal window, replace it inside, and on any changed input", async () => {
    const { cert, certInputs } = await chain(24, 1);
    expect(await tlsLocallySignedCert.diff(entry(certInputs, cert), certInputs)).toEqual({ kind: "same" });
    expect((await tlsLocallySignedCert.diff(entry(certInputs, cert), { ...certInputs, validityPeriodHours: 48 })).kind).toBe("replace");
    const due = await chain(2, 2);
    expect(await tlsLocallySignedCert.diff(entry(due.certInputs, due.cert), due.certInputs)).toMatchObject({ kind: "replace", reason: "ready for renewal" });
  }, 60_000);
});
