import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { StackSettings } from "../config/settings";
import { certificateSans, type SubjectAltNames } from "../config/tls";

/** The CA outlives any member certificate many times over: renewing it means every client must trust a new one. */
const CA_VALIDITY_HOURS = 10 * 8760;
const KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

export interface ClusterTlsArgs {
  settings: StackSettings;
  /** Every part that serves TLS: the members (`primary`, `replica-1`, …) and `pgbouncer`. */
  parts: string[];
  /** SANs per part; default `certificateSans` for the one host (config/tls.ts). */
  sans?: (part: string) => SubjectAltNames;
}

/** One part's key and certificate. The key is a secret; the certificate is public. */
export interface ServerCertificate {
  privateKeyPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
}

/**
 * The stack's own certificate authority and one server certificate per member and PgBouncer,
 * signed by it. Keys never leave Pulumi secrets. A certificate within `earlyRenewalHours` of its
 * expiry is issued anew by the next `pulumi up` (the tls provider marks it ready for renewal);
 * it reaches the container through `tlsFiles`, which reloads the server instead of replacing it.
 */
export class ClusterTls extends pulumi.ComponentResource {
  /** The CA certificate (public): clients verify servers with it (`sslmode=verify-full`). */
  readonly caCertificate: pulumi.Output<string>;
  readonly servers: Record<string, ServerCertificate>;

  constructor(name: string, args: ClusterTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgstack:index:ClusterTls", name, {}, opts);
    const s = args.settings;
    const sans = args.sans ?? ((part: string) => certificateSans(s, part));
    const parent = { parent: this };

    const caKey = new tls.PrivateKey("tls-ca-key", KEY, parent);
    const ca = new tls.SelfSignedCert(
      "tls-ca",
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: `pgstack ${s.stack} CA`, organization: "pgstack" },
        validityPeriodHours: CA_VALIDITY_HOURS,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      parent,
    );
    this.caCertificate = ca.certPem;

    this.servers = {};
    for (const part of args.parts) {
      const names = sans(part);
      const key = new tls.PrivateKey(`${part}-tls-key`, KEY, parent);
      const request = new tls.CertRequest(
        `${part}-tls-request`,
        {
          privateKeyPem: key.privateKeyPem,
          subject: { commonName: part, organization: `pgstack ${s.stack}` },
          dnsNames: names.dnsNames,
          ipAddresses: names.ipAddresses,
        },
        parent,
      );
      const cert = new tls.LocallySignedCert(
        `${part}-tls-cert`,
        {
          certRequestPem: request.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: s.tls.validityHours,
          earlyRenewalHours: s.tls.earlyRenewalHours,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        },
        parent,
      );
      // The provider marks privateKeyPem secret; say so again so no derived value loses it.
      this.servers[part] = { privateKeyPem: pulumi.secret(key.privateKeyPem), certPem: cert.certPem };
    }

    this.registerOutputs({ caCertificate: this.caCertificate });
  }

  /** What install-tls.sh reads on stdin for `part`: key, certificate and CA after marker lines (secret). */
  bundle(part: string): pulumi.Output<string> {
    const server = this.servers[part];
    if (!server) throw new Error(`ClusterTls has no certificate for ${part}`);
    return pulumi.secret(
      pulumi
        .all([server.privateKeyPem, server.certPem, this.caCertificate])
        .apply(([key, cert, ca]) => tlsBundle(key, cert, ca)),
    );
  }
}

/** install-tls.sh's stdin format. */
export function tlsBundle(keyPem: string, certPem: string, caPem: string): string {
  const block = (pem: string) => (pem.endsWith("\n") ? pem : `${pem}\n`);
  return `# key\n${block(keyPem)}# cert\n${block(certPem)}# ca\n${block(caPem)}`;
}
