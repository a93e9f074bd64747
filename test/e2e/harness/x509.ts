import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { isIP } from "node:net";

// Just enough X.509 for the harness's tls handlers: PKCS#10 requests and certificates, DER-encoded
// and signed with node:crypto (ECDSA or RSA, SHA-256), so servers and clients verify real chains.
// A request's subject, key and SAN extension are copied into the certificate byte for byte, as
// terraform-provider-tls copies them.

// --- DER encoding ---
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
export const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const explicit = (n: number, ...c: Buffer[]) => tlv(0xa0 + n, ...c);
function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1] & 0x80) === 0) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}
function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

// --- DER reading: the children of a constructed value, each with its raw bytes ---
interface Node {
  tag: number;
  raw: Buffer;
  content: Buffer;
}
function children(buf: Buffer): Node[] {
  const out: Node[] = [];
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i];
    let len = buf[i + 1];
    let header = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + buf[i + 2 + k];
      header = 2 + n;
    }
    out.push({ tag, raw: buf.subarray(i, i + header + len), content: buf.subarray(i + header, i + header + len) });
    i += header + len;
  }
  return out;
}
const only = (buf: Buffer) => children(buf)[0];

// --- X.509 pieces ---
const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  rsaSha256: "1.2.840.113549.1.1.11",
  extensionRequest: "1.2.840.113549.1.9.14",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};

export interface Subject {
  commonName?: string;
  organization?: string;
}

function name(s: Subject | undefined): Buffer {
  const rdns: Buffer[] = [];
  if (s?.organization) rdns.push(set(seq(oid(OID.organization), utf8(s.organization))));
  if (s?.commonName) rdns.push(set(seq(oid(OID.commonName), utf8(s.commonName))));
  return seq(...rdns);
}

function algorithm(key: KeyObject): Buffer {
  return key.asymmetricKeyType === "rsa" ? seq(oid(OID.rsaSha256), tlv(0x05)) : seq(oid(OID.ecdsaSha256));
}

function signed(body: Buffer, key: KeyObject): Buffer {
  return seq(body, algorithm(key), bits(sign("sha256", body, key)));
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
const der = (text: string) => Buffer.from(text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function sanExtension(dnsNames: string[], ipAddresses: string[]): Buffer {
  const ip = (a: string) => (isIP(a) === 4 ? Buffer.from(a.split(".").map(Number)) : ipv6Bytes(a));
  const names = [...dnsNames.map((d) => tlv(0x82, Buffer.from(d, "ascii"))), ...ipAddresses.map((a) => tlv(0x87, ip(a)))];
  return extension(OID.subjectAltName, false, seq(...names));
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail = ""] = a.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = a.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** keyUsage and extKeyUsage from terraform-provider-tls's allowed_uses names. */
function usageExtensions(allowedUses: string[]): Buffer[] {
  const bitOf: Record<string, number> = { digital_signature: 0, content_commitment: 1, key_encipherment: 2, data_encipherment: 3, key_agreement: 4, cert_signing: 5, crl_signing: 6 };
  const ekuOf: Record<string, string> = { server_auth: OID.serverAuth, client_auth: OID.clientAuth };
  const out: Buffer[] = [];
  const chosen = allowedUses.filter((u) => u in bitOf).map((u) => bitOf[u]);
  if (chosen.length > 0) {
    const highest = Math.max(...chosen);
    const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
    for (const b of chosen) bytes[Math.floor(b / 8)] |= 0x80 >> b % 8;
    out.push(extension(OID.keyUsage, true, bits(bytes, 7 - (highest % 8))));
  }
  const ekus = allowedUses.filter((u) => u in ekuOf).map((u) => oid(ekuOf[u]));
  if (ekus.length > 0) out.push(extension(OID.extKeyUsage, false, seq(...ekus)));
  return out;
}

const keyId = (spki: Buffer) => createHash("sha1").update(children(only(spki).content)[1].content.subarray(1)).digest();

/** A PKCS#10 request for `keyPem` with `subject` and the SANs (what tls.CertRequest makes). */
export function certificateRequest(keyPem: string, subject: Subject | undefined, dnsNames: string[], ipAddresses: string[]): string {
  const key = createPrivateKey(keyPem);
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  const attributes = dnsNames.length + ipAddresses.length > 0 ? [seq(oid(OID.extensionRequest), set(seq(sanExtension(dnsNames, ipAddresses))))] : [];
  const info = seq(integer(Buffer.from([0])), name(subject), spki, tlv(0xa0, ...attributes));
  return pem("CERTIFICATE REQUEST", signed(info, key));
}

interface Issuer {
  name: Buffer;
  key: KeyObject;
  spki: Buffer;
}

interface CertificateOptions {
  validityHours: number;
  allowedUses: string[];
  isCa: boolean;
}

function certificate(subjectName: Buffer, spki: Buffer, extra: Buffer[], issuer: Issuer, o: CertificateOptions): { certPem: string; start: Date; end: Date } {
  const start = new Date(Math.floor(Date.now() / 1000) * 1000);
  const end = new Date(start.getTime() + o.validityHours * 3600_000);
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  const extensions = [
    extension(OID.basicConstraints, true, seq(...(o.isCa ? [bool(true)] : []))),
    ...usageExtensions(o.allowedUses),
    extension(OID.subjectKeyId, false, octets(keyId(spki))),
    extension(OID.authorityKeyId, false, seq(tlv(0x80, keyId(issuer.spki)))),
    ...extra,
  ];
  const tbs = seq(explicit(0, integer(Buffer.from([2]))), integer(serial), algorithm(issuer.key), issuer.name, seq(time(start), time(end)), subjectName, spki, explicit(3, seq(...extensions)));
  return { certPem: pem("CERTIFICATE", signed(tbs, issuer.key)), start, end };
}

/** A self-signed certificate (tls.SelfSignedCert). */
export function selfSignedCertificate(keyPem: string, subject: Subject | undefined, o: CertificateOptions) {
  const key = createPrivateKey(keyPem);
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  return certificate(name(subject), spki, [], { name: name(subject), key, spki }, o);
}

/** A certificate for a request, signed by a CA (tls.LocallySignedCert): subject, key and SANs from the request. */
export function locallySignedCertificate(requestPem: string, caKeyPem: string, caCertPem: string, o: CertificateOptions) {
  const [info, , signature] = children(only(der(requestPem)).content);
  const [, subject, spki, attrs] = children(info.content);
  if (!verify("sha256", info.raw, createPublicKey({ key: spki.raw, format: "der", type: "spki" }), signature.content.subarray(1))) {
    throw new Error("the certificate request's signature does not verify");
  }
  const requested: Buffer[] = [];
  for (const attr of attrs ? children(attrs.content) : []) {
    const [id, values] = children(attr.content);
    if (id.raw.equals(oid(OID.extensionRequest))) requested.push(...children(only(values.content).content).map((e) => e.raw));
  }
  const caTbs = children(only(der(caCertPem)).content)[0];
  const caFields = children(caTbs.content);
  // version, serial, algorithm, issuer, validity, subject, spki
  const ca: Issuer = { name: caFields[5].raw, key: createPrivateKey(caKeyPem), spki: caFields[6].raw };
  return certificate(subject.raw, spki.raw, requested, ca, o);
}
