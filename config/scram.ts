import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** PostgreSQL's default iteration count for SCRAM-SHA-256 (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, as in
 * PostgreSQL's scram_build_secret): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
 *
 * With a fixed salt the verifier is stable across runs, so a second `pulumi up` changes nothing.
 * `ALTER ROLE ... PASSWORD '<verifier>'` stores it as is, and PgBouncer accepts the same string in
 * its auth_file, so the plaintext never has to leave Pulumi's secrets.
 *
 * PostgreSQL normalizes passwords with SASLprep first; for the ASCII passwords pgstack generates
 * that is the identity, and anything else is refused rather than silently hashed differently.
 */
export function scramVerifier(password: string, saltBase64: string, iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x21-\x7e]+$/.test(password)) {
    throw new Error("scramVerifier: only printable ASCII passwords are supported (no SASLprep here)");
  }
  const salt = Buffer.from(saltBase64, "base64");
  if (salt.length < 8) {
    throw new Error(`scramVerifier: salt must be at least 8 bytes of base64, got ${salt.length}`);
  }
  if (!Number.isInteger(iterations) || iterations < 4096) {
    throw new Error(`scramVerifier: iterations must be an integer of at least 4096, got ${iterations}`);
  }
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** True when `value` has the shape of a SCRAM-SHA-256 verifier (not a check that it is correct). */
export function isScramVerifier(value: string): boolean {
  return /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/.test(value);
}
