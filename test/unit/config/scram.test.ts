import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isScramVerifier, scramVerifier } from "../../../config/scram";

// RFC 7677, section 3: user "user", password "pencil".
const RFC = {
  password: "pencil",
  salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
  authMessage:
    "n=user,r=rOprNGfwEbeRWgbNEkqO," +
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096," +
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
  clientProof: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  serverSignature: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

function parse(verifier: string) {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!m) throw new Error(`not a verifier: ${verifier}`);
  return { iterations: Number(m[1]), salt: m[2], storedKey: Buffer.from(m[3], "base64"), serverKey: Buffer.from(m[4], "base64") };
}

describe("scramVerifier", () => {
  it("matches the RFC 7677 exchange: the server signature and the client's proof check out", () => {
    const v = parse(scramVerifier(RFC.password, RFC.salt, 4096));
    expect(v.iterations).toBe(4096);
    expect(v.salt).toBe(RFC.salt);
    const serverSignature = createHmac("sha256", v.serverKey).update(RFC.authMessage).digest("base64");
    expect(serverSignature).toBe(RFC.serverSignature);
    // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the server checks H(ClientKey) = StoredKey.
    const clientSignature = createHmac("sha256", v.storedKey).update(RFC.authMessage).digest();
    const proof = Buffer.from(RFC.clientProof, "base64");
    const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]));
    expect(createHash("sha256").update(clientKey).digest().equals(v.storedKey)).toBe(true);
  });

  it("is stable for a fixed salt and differs with the salt or the password", () => {
    const a = scramVerifier("s3cretpassword", "AAAAAAAAAAAAAAAAAAAAAA==");
    expect(scramVerifier("s3cretpassword", "AAAAAAAAAAAAAAAAAAAAAA==")).toBe(a);
    expect(scramVerifier("s3cretpassword", "AQAAAAAAAAAAAAAAAAAAAA==")).not.toBe(a);
    expect(scramVerifier("s3cretpassworD", "AAAAAAAAAAAAAAAAAAAAAA==")).not.toBe(a);
    expect(isScramVerifier(a)).toBe(true);
    expect(a).not.toContain("s3cretpassword");
  });

  it("refuses what it cannot hash the way PostgreSQL would", () => {
    expect(() => scramVerifier("pässword", RFC.salt)).toThrow(/printable ASCII/);
    expect(() => scramVerifier("password", "AAAA")).toThrow(/at least 8 bytes/);
    expect(() => scramVerifier("password", RFC.salt, 1000)).toThrow(/at least 4096/);
  });

  it("recognizes the verifier shape only", () => {
    expect(isScramVerifier("md5abcdef")).toBe(false);
    expect(isScramVerifier("plaintext")).toBe(false);
  });
});
