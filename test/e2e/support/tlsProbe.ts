import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { connect as tlsConnect } from "node:tls";

// What a server presents over PostgreSQL's TLS handshake (SSLRequest, then TLS), read without
// trusting it: the rotation drill compares serial numbers before and after a renewal.

export interface ServedCertificate {
  serial: string;
  validTo: string;
  subjectAltName: string;
}

/** The certificate `host:port` (a member or PgBouncer) serves; fails when it refuses TLS. */
export function servedCertificate(host: string, port: number, timeoutMs = 10_000): Promise<ServedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${host}:${port}: no TLS handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once("error", fail);
    socket.once("connect", () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(80877103, 4); // SSLRequest
      socket.write(request);
    });
    socket.once("data", (answer) => {
      if (answer[0] !== 0x53) return fail(new Error(`${host}:${port} answered SSLRequest with ${JSON.stringify(String.fromCharCode(answer[0]))}, not S`));
      const secure = tlsConnect({ socket, rejectUnauthorized: false });
      secure.once("error", fail);
      secure.once("secureConnect", () => {
        const cert = secure.getPeerCertificate();
        clearTimeout(timer);
        secure.destroy();
        resolve({ serial: cert.serialNumber, validTo: cert.valid_to, subjectAltName: cert.subjectaltname ?? "" });
      });
    });
  });
}

/** A CA certificate nobody signed the stack's servers with: made by openssl for this test. */
export async function foreignCa(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "pgstack-foreign-ca-"));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=not the pgstack CA", "-days", "1",
          "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "ca.pem")],
        { timeout: 30_000 },
        (err, _stdout, stderr) => (err ? reject(new Error(`openssl req failed: ${stderr || err.message}`)) : resolve()),
      ),
    );
    return await readFile(path.join(dir, "ca.pem"), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
