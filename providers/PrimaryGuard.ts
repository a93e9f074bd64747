import * as pulumi from "@pulumi/pulumi";
import { changedKeys } from "./diffing";
import { probeRole, type MemberEndpoint, type MemberRole } from "./memberRole";
import { containsUnknown } from "./preview";
import { withSecretOutputs } from "./resourceOptions";

// Refuses, at preview time, a deploy whose pgstack:primaryMember contradicts the running cluster:
// after a failover, a deploy from a stale config must stop, not point PgBouncer and the replicas
// back at a fenced member. Runs in `check`, the one step the engine runs for every resource in
// every preview and update, before anything that depends on it.

export interface PrimaryGuardInputs {
  /** The member the stack config says holds the primary role. */
  expectedPrimary: string;
  members: MemberEndpoint[];
  user: string;
  password: string;
  /** The cluster CA: members are asked over verified TLS. */
  caCertificate?: string;
}

/** Why the stack's expectedPrimary contradicts what the members report, or undefined when it does not. */
export function primaryContradiction(expectedPrimary: string, roles: MemberRole[]): string | undefined {
  const writable = roles.filter((r) => r.role === "primary").map((r) => r.name);
  if (writable.length > 1) {
    return `${writable.join(" and ")} both accept writes (split brain): stop all but one by hand before deploying`;
  }
  const actual = writable[0];
  if (actual && actual !== expectedPrimary) {
    const expected = roles.find((r) => r.name === expectedPrimary)?.role ?? "unreachable";
    return (
      `pgstack:primaryMember is ${expectedPrimary}, but ${actual} is the running primary (${expectedPrimary} is ${expected === "standby" ? "a replica" : "down or fenced"}). ` +
      `A failover happened: record it with \`pulumi config set primaryMember ${actual}\` (npm run failover does this) and deploy again; ` +
      "deploying this config would point the cluster back at the old primary"
    );
  }
  return undefined;
}

export class PrimaryGuardProvider implements pulumi.dynamic.ResourceProvider {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    // In a first preview the password is not known yet; there is no cluster to contradict either.
    if (containsUnknown(news)) return { inputs: news, failures: [] };
    const inputs = news as unknown as PrimaryGuardInputs;
    const roles = await Promise.all(inputs.members.map((m) => probeRole(m, inputs.user, inputs.password, inputs.caCertificate)));
    const problem = primaryContradiction(inputs.expectedPrimary, roles);
    return { inputs: news, failures: problem ? [{ property: "expectedPrimary", reason: problem }] : [] };
  }

  async diff(_id: string, olds: PrimaryGuardInputs, news: PrimaryGuardInputs): Promise<pulumi.dynamic.DiffResult> {
    const changes = changedKeys(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, ["expectedPrimary", "members", "user", "password", "caCertificate"]);
    return { changes: changes.length > 0, replaces: [] };
  }

  async create(inputs: PrimaryGuardInputs): Promise<pulumi.dynamic.CreateResult<PrimaryGuardInputs>> {
    return { id: "primary-guard", outs: inputs };
  }

  async update(_id: string, _olds: PrimaryGuardInputs, news: PrimaryGuardInputs): Promise<pulumi.dynamic.UpdateResult<PrimaryGuardInputs>> {
    return { outs: news };
  }

  async delete(): Promise<void> {
    // A guard leaves nothing behind.
  }
}

export interface PrimaryGuardArgs {
  expectedPrimary: pulumi.Input<string>;
  members: pulumi.Input<pulumi.Input<MemberEndpoint>[]>;
  user: pulumi.Input<string>;
  password: pulumi.Input<string>;
  caCertificate?: pulumi.Input<string>;
}

// One provider for every resource of this type: the SDK serializes a dynamic provider once per
// instance (it caches by instance), and serializing is most of a program run's time.
const PROVIDER = new PrimaryGuardProvider();

/** Stops a deploy whose primaryMember contradicts the running cluster (see primaryContradiction). */
export class PrimaryGuard extends pulumi.dynamic.Resource {
  constructor(name: string, args: PrimaryGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(PROVIDER, name, { ...args, password: pulumi.secret(args.password) }, withSecretOutputs(opts, ["password"]), "postgres", "PrimaryGuard");
  }
}
