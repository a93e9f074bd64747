import type { StateEntry } from "../state";

/** What a resource's provider decided about new inputs for an existing resource. */
export type Decision = (
  | { kind: "same" }
  | { kind: "update"; reason?: string }
  | { kind: "replace"; deleteBeforeReplace?: boolean; reason: string }
) & {
  /** The input properties that differ, and those of them that force the replacement (for a preview's diff). */
  changed?: string[];
  replacing?: string[];
};

export interface Created {
  id: string;
  outputs: Record<string, unknown>;
}

/**
 * The configuration of the explicit provider a resource names (its `provider` option), as the
 * engine hands it to that provider: a docker provider's `host`. Empty for the default provider.
 */
export interface ProviderConfig {
  /** docker: the engine's DOCKER_HOST URL. */
  dockerHost?: string;
}

/**
 * What the engine asks of one resource type's provider. Inputs are plain values (secrets
 * unwrapped); outputs are what the program reads back.
 */
export interface ResourceHandler {
  /** Validates and normalizes inputs (dynamic providers' `check`); default: inputs as they are. */
  check?(oldInputs: Record<string, unknown> | undefined, newInputs: Record<string, unknown>): Promise<Record<string, unknown>>;
  create(inputs: Record<string, unknown>, urn: string, provider?: ProviderConfig): Promise<Created>;
  diff(old: StateEntry, inputs: Record<string, unknown>): Promise<Decision>;
  update?(old: StateEntry, inputs: Record<string, unknown>, provider?: ProviderConfig): Promise<Record<string, unknown>>;
  delete(entry: StateEntry, provider?: ProviderConfig): Promise<void>;
}

/**
 * A create that made something and then failed (a container that never became healthy): the
 * state must still list it, so the next deploy replaces it and a destroy removes it.
 */
export class PartialCreateError extends Error {
  constructor(message: string, readonly created: Created) {
    super(message);
    this.name = "PartialCreateError";
  }
}

/** Deep equality of JSON-shaped inputs (key order and undefined fields ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Input keys whose values differ. */
export function changedInputs(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !sameJson(a[k], b[k])).sort();
}

/** Fails loudly on inputs the harness does not implement for this resource type. */
export function assertOnlyInputs(type: string, inputs: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(inputs).filter((k) => inputs[k] !== undefined && !allowed.includes(k));
  if (extra.length > 0) {
    throw new Error(`the e2e harness does not implement ${type} input(s) ${extra.join(", ")}; implement them in test/e2e/harness/handlers/`);
  }
}

/** Pulumi's rule for providers whose every input forces a new resource: any change replaces. */
export function replaceOnAnyChange(old: StateEntry, inputs: Record<string, unknown>): Decision {
  const changed = changedInputs(old.inputs, inputs);
  return changed.length === 0 ? { kind: "same" } : { kind: "replace", reason: `changed: ${changed.join(", ")}`, changed, replacing: changed };
}
