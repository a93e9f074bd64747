import type * as pulumi from "@pulumi/pulumi";
import { changedInputs, type Decision, type ResourceHandler } from "./types";

// pulumi-nodejs:dynamic resources, run as the engine's dynamic-provider host runs them: the
// provider is rebuilt from its serialized text (`inputs.__provider`), never imported from source,
// so a closure that does not survive serialization fails here as it would under `pulumi up`.

const PROVIDER_KEY = "__provider";
const cache = new Map<string, pulumi.dynamic.ResourceProvider>();

function providerOf(props: Record<string, unknown>): pulumi.dynamic.ResourceProvider {
  const text = props[PROVIDER_KEY];
  if (typeof text !== "string") throw new Error("dynamic resource without a serialized __provider");
  let provider = cache.get(text);
  if (!provider) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    provider = require("require-from-string")(text).handler() as pulumi.dynamic.ResourceProvider;
    // The engine's host would call configure with the stack config; nothing in pgstack has one yet.
    if (provider.configure) throw new Error("the e2e harness does not call dynamic providers' configure; add it to test/e2e/harness/handlers/dynamic.ts");
    cache.set(text, provider);
  }
  return provider;
}

const withProvider = (outs: Record<string, unknown> | undefined, props: Record<string, unknown>) => ({ ...(outs ?? {}), [PROVIDER_KEY]: props[PROVIDER_KEY] });

export const dynamicResource: ResourceHandler = {
  async check(oldInputs, newInputs) {
    const provider = providerOf(newInputs);
    if (!provider.check) return newInputs;
    const result = await provider.check(oldInputs ?? {}, newInputs);
    if (result.failures && result.failures.length > 0) {
      throw new Error(`check failed: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    }
    return { ...(result.inputs ?? newInputs), [PROVIDER_KEY]: newInputs[PROVIDER_KEY] };
  },
  async create(inputs) {
    const result = await providerOf(inputs).create(inputs);
    return { id: result.id, outputs: withProvider(result.outs, inputs) };
  },
  async diff(old, inputs): Promise<Decision> {
    const provider = providerOf(inputs);
    const changed = changedInputs(old.inputs, inputs).filter((k) => k !== PROVIDER_KEY);
    if (!provider.diff) return changed.length > 0 ? { kind: "update", changed } : { kind: "same" };
    const result = await provider.diff(old.id ?? "", old.outputs, inputs);
    if (result.replaces && result.replaces.length > 0) {
      return { kind: "replace", deleteBeforeReplace: result.deleteBeforeReplace, reason: `replaces: ${result.replaces.join(", ")}`, changed, replacing: result.replaces };
    }
    if (result.changes === true) return { kind: "update", changed };
    if (result.changes === false) return { kind: "same" };
    // DIFF_UNKNOWN: the engine compares the inputs itself.
    return changed.length > 0 ? { kind: "update", changed } : { kind: "same" };
  },
  async update(old, inputs) {
    const provider = providerOf(inputs);
    const result = provider.update ? await provider.update(old.id ?? "", old.outputs, inputs) : {};
    return withProvider(result.outs, inputs);
  },
  async delete(entry) {
    const provider = providerOf(entry.outputs[PROVIDER_KEY] ? entry.outputs : entry.inputs);
    if (provider.delete) await provider.delete(entry.id ?? "", entry.outputs);
  },
};
