import type * as pulumi from "@pulumi/pulumi";

/**
 * `opts` plus `names` in additionalSecretOutputs. Dynamic providers cannot return secrets from
 * `create` (pulumi/pulumi#3012), so secretness of outputs is declared on the resource instead.
 */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, names: string[]): pulumi.CustomResourceOptions {
  const already = opts?.additionalSecretOutputs ?? [];
  return { ...opts, additionalSecretOutputs: Array.from(new Set([...already, ...names])) };
}
