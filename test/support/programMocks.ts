import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** The password the mocked RandomPassword named `name` "generates": known, so tests can look for it. */
export function mockPassword(name: string): string {
  return `Pw${digest(`password:${name}`).toString("hex").slice(0, 30)}`;
}

/** The private key the mocked tls.PrivateKey named `name` "generates": known, so tests can look for it. */
export function mockPrivateKeyPem(name: string): string {
  return `-----BEGIN EC PRIVATE KEY-----\nMOCKKEY${digest(`key:${name}`).toString("hex").slice(0, 24)}\n-----END EC PRIVATE KEY-----\n`;
}

/** The certificate the mocked tls.SelfSignedCert/LocallySignedCert named `name` "issues". */
export function mockCertPem(name: string): string {
  return `-----BEGIN CERTIFICATE-----\nMOCKCERT${digest(`cert:${name}`).toString("hex").slice(0, 24)}\n-----END CERTIFICATE-----\n`;
}

/**
 * Engine-only mocks: every resource echoes its inputs, plus the few outputs the program reads
 * (generated values, names, image ids). Nothing here pretends to be PostgreSQL or Docker.
 */
export function mockResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
  const state: Record<string, unknown> = { ...args.inputs };
  switch (args.type) {
    case "random:index/randomPassword:RandomPassword":
      state.result = mockPassword(args.name);
      break;
    case "random:index/randomBytes:RandomBytes": {
      const bytes = digest(`salt:${args.name}`).subarray(0, args.inputs.length ?? 16);
      state.base64 = bytes.toString("base64");
      state.hex = bytes.toString("hex");
      break;
    }
    case "docker:index/remoteImage:RemoteImage":
      state.imageId = `sha256:${digest(`image:${args.inputs.name}`).toString("hex")}`;
      state.repoDigest = "";
      break;
    case "tls:index/privateKey:PrivateKey":
      state.privateKeyPem = mockPrivateKeyPem(args.name);
      break;
    case "tls:index/certRequest:CertRequest":
      state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST-----\nMOCKCSR\n-----END CERTIFICATE REQUEST-----\n`;
      break;
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      state.certPem = mockCertPem(args.name);
      state.readyForRenewal = false;
      break;
    case "command:local:Command":
      state.stdout = "";
      state.stderr = "";
      break;
  }
  return { id: `${args.name}-id`, state };
}
