import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { scramVerifier } from "../config/scram";

/** A generated password and its SCRAM verifier (stable: the salt is generated once and kept). */
export interface Credential {
  password: pulumi.Output<string>;
  verifier: pulumi.Output<string>;
}

/** Every credential the cluster uses. */
export const CREDENTIALS = ["superuser", "replicator", "app", "pgbouncerAdmin", "stats", "backup"] as const;
export type CredentialName = (typeof CREDENTIALS)[number];

/**
 * Generated secrets: one random password and one random salt per role. Passwords are alphanumeric
 * (32 characters, about 190 bits) so they need no escaping in URLs, pgpass files or conninfo.
 */
export class ClusterSecrets extends pulumi.ComponentResource {
  readonly credentials: Record<CredentialName, Credential>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("pgstack:cluster:Secrets", name, {}, opts);
    const entries = CREDENTIALS.map((role): [CredentialName, Credential] => {
      const password = new random.RandomPassword(`${role}-password`, { length: 32, special: false }, { parent: this });
      const salt = new random.RandomBytes(`${role}-scram-salt`, { length: 16 }, { parent: this });
      const verifier = pulumi.secret(pulumi.all([password.result, salt.base64]).apply(([p, s]) => scramVerifier(p, s)));
      return [role, { password: pulumi.secret(password.result), verifier }];
    });
    this.credentials = Object.fromEntries(entries) as Record<CredentialName, Credential>;
    this.registerOutputs({});
  }
}
