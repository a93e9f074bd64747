import { generateKeyPairSync } from "node:crypto";
import type { StateEntry } from "../state";
import { certificateRequest, locallySignedCertificate, selfSignedCertificate, type Subject } from "../x509";
import { assertOnlyInputs, changedInputs, replaceOnAnyChange, type Decision, type ResourceHandler } from "./types";

// The tls provider's resources as terraform-provider-tls makes them: real keys (node:crypto) and
// real certificates (harness/x509.ts). Every input forces a new resource, and a certificate
// within earlyRenewalHours of its end is "ready for renewal": the next deploy replaces it.

const nothingOutside = async () => {
  // Nothing exists outside the state.
};

export const tlsPrivateKey: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("tls:PrivateKey", inputs, ["algorithm", "ecdsaCurve", "rsaBits"]);
    const algorithm = (inputs.algorithm as string) ?? "RSA";
    const pair =
      algorithm === "ECDSA"
        ? generateKeyPairSync("ec", { namedCurve: { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" }[(inputs.ecdsaCurve as string) ?? "P224"] ?? "P-224" })
        : algorithm === "RSA"
          ? generateKeyPairSync("rsa", { modulusLength: (inputs.rsaBits as number) ?? 2048 })
          : undefined;
    if (!pair) throw new Error(`the e2e harness implements tls:PrivateKey algorithm ECDSA and RSA, not ${algorithm}`);
    const privateKeyPem = pair.privateKey.export({ type: algorithm === "ECDSA" ? "sec1" : "pkcs1", format: "pem" }) as string;
    return {
      id: "private-key",
      outputs: {
        ...inputs,
        privateKeyPem,
        privateKeyPemPkcs8: pair.privateKey.export({ type: "pkcs8", format: "pem" }),
        publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }),
      },
    };
  },
  diff: async (old, inputs) => replaceOnAnyChange(old, inputs),
  delete: nothingOutside,
};

export const tlsCertRequest: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("tls:CertRequest", inputs, ["privateKeyPem", "subject", "dnsNames", "ipAddresses"]);
    const certRequestPem = certificateRequest(inputs.privateKeyPem as string, inputs.subject as Subject | undefined, (inputs.dnsNames as string[]) ?? [], (inputs.ipAddresses as string[]) ?? []);
    return { id: "cert-request", outputs: { ...inputs, certRequestPem } };
  },
  diff: async (old, inputs) => replaceOnAnyChange(old, inputs),
  delete: nothingOutside,
};

/** Replaced on any change, and when the certificate is within its early renewal window. */
function certificateDecision(old: StateEntry, inputs: Record<string, unknown>): Decision {
  const changed = changedInputs(old.inputs, inputs);
  if (changed.length > 0) return { kind: "replace", reason: `changed: ${changed.join(", ")}`, changed, replacing: changed };
  const end = Date.parse(String(old.outputs.validityEndTime));
  const early = Number(inputs.earlyRenewalHours ?? 0) * 3600_000;
  if (Date.now() >= end - early) return { kind: "replace", reason: "ready for renewal", changed: ["readyForRenewal"], replacing: ["readyForRenewal"] };
  return { kind: "same" };
}

function certificateOutputs(inputs: Record<string, unknown>, cert: { certPem: string; start: Date; end: Date }) {
  return {
    ...inputs,
    certPem: cert.certPem,
    validityStartTime: cert.start.toISOString().replace(/\.000Z$/, "Z"),
    validityEndTime: cert.end.toISOString().replace(/\.000Z$/, "Z"),
    readyForRenewal: false,
    isCaCertificate: inputs.isCaCertificate ?? false,
    earlyRenewalHours: inputs.earlyRenewalHours ?? 0,
  };
}

const CERT_INPUTS = ["validityPeriodHours", "earlyRenewalHours", "allowedUses", "isCaCertificate"];

export const tlsSelfSignedCert: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("tls:SelfSignedCert", inputs, ["privateKeyPem", "subject", ...CERT_INPUTS]);
    const cert = selfSignedCertificate(inputs.privateKeyPem as string, inputs.subject as Subject | undefined, {
      validityHours: inputs.validityPeriodHours as number,
      allowedUses: (inputs.allowedUses as string[]) ?? [],
      isCa: inputs.isCaCertificate === true,
    });
    return { id: "self-signed-cert", outputs: certificateOutputs(inputs, cert) };
  },
  diff: async (old, inputs) => certificateDecision(old, inputs),
  delete: nothingOutside,
};

export const tlsLocallySignedCert: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("tls:LocallySignedCert", inputs, ["certRequestPem", "caPrivateKeyPem", "caCertPem", ...CERT_INPUTS]);
    const cert = locallySignedCertificate(inputs.certRequestPem as string, inputs.caPrivateKeyPem as string, inputs.caCertPem as string, {
      validityHours: inputs.validityPeriodHours as number,
      allowedUses: (inputs.allowedUses as string[]) ?? [],
      isCa: inputs.isCaCertificate === true,
    });
    return { id: "locally-signed-cert", outputs: certificateOutputs(inputs, cert) };
  },
  diff: async (old, inputs) => certificateDecision(old, inputs),
  delete: nothingOutside,
};
