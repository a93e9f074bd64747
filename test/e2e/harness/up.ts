import { deletionOrder } from "./deleteOrder";
import { Deployment, label, providerUrnOf, refOf, type Registration } from "./deployment";
import { handlerFor } from "./handlers";
import type { Decision } from "./handlers/types";
import { runProgramWithMocks } from "./programRun";
import type { HarnessResult } from "./result";
import { loadState, type StateEntry } from "./state";
import type { RecordedResource } from "../../support/recordingMocks";

export interface UpOptions {
  stack: string;
  stateFile: string;
  config: Record<string, string>;
  programPath: string;
}

const protectedDelete = (urn: string) =>
  `unable to delete resource "${urn}" as it is currently marked for protection. To unprotect the resource, ` +
  "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`";

export const registrationOf = (r: RecordedResource): Registration => ({
  ...(providerUrnOf(r.provider) ? { provider: providerUrnOf(r.provider) } : {}),
  urn: r.urn,
  type: r.type,
  name: r.name,
  parent: r.parent,
  custom: r.custom,
  protect: r.protect,
  deleteBeforeReplace: r.deleteBeforeReplace,
  deletedWith: r.deletedWith,
  // A resource depends on its explicit provider: created after it, deleted before it.
  dependencies: providerUrnOf(r.provider) && !r.dependencies.includes(providerUrnOf(r.provider)!) ? [...r.dependencies, providerUrnOf(r.provider)!] : r.dependencies,
  ignoreChanges: r.ignoreChanges,
  retainOnDelete: r.retainOnDelete,
  replaceOnChanges: r.replaceOnChanges,
  secretProperties: secretPropertiesOf(r),
});

/** Outputs the random provider keeps secret whatever the program says (its schema marks them). */
const PROVIDER_SECRET_OUTPUTS: Record<string, string[]> = { "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"] };

function secretPropertiesOf(r: RecordedResource): string[] {
  const fromInputs = r.secretPaths.map((p) => p.split(/[.[]/)[0]);
  return [...new Set([...fromInputs, ...r.additionalSecretOutputs, ...(PROVIDER_SECRET_OUTPUTS[r.type] ?? [])])];
}

/**
 * What the engine does with a resource whose create failed half way (its init errors): replace it
 * when its replaceOnChanges names "#initerror" (or "*"); otherwise, as Pulumi does, update it
 * ("continue awaiting initialization"), which for most providers changes nothing.
 */
async function afterFailedCreate(reg: Registration, old: StateEntry, inputs: Record<string, unknown>): Promise<Decision> {
  if (reg.replaceOnChanges.some((p) => p === "#initerror" || p === "*")) return { kind: "replace", reason: "its previous create failed (replaceOnChanges: #initerror)" };
  const decision = await handlerFor(reg.type).diff(old, inputs);
  return decision.kind === "same" ? { kind: "update", reason: "its previous create failed" } : decision;
}

/**
 * The engine's ignoreChanges: an existing resource keeps the old value of each ignored input.
 * Top-level properties only (all pgstack uses); a nested path is refused rather than half-applied.
 */
export function withIgnoredChanges(oldInputs: Record<string, unknown> | undefined, inputs: Record<string, unknown>, ignoreChanges: string[]): Record<string, unknown> {
  if (!oldInputs || ignoreChanges.length === 0) return inputs;
  const kept = { ...inputs };
  for (const path of ignoreChanges) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(path)) throw new Error(`the e2e harness applies ignoreChanges to top-level properties only, not "${path}"`);
    if (path in oldInputs) kept[path] = oldInputs[path];
    else delete kept[path];
  }
  return kept;
}

/** The inputs the engine hands the provider: ignored changes undone, then the provider's check. */
export async function checkedInputs(reg: Registration, old: StateEntry | undefined, rawInputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const handler = handlerFor(reg.type);
  const given = withIgnoredChanges(old?.inputs, rawInputs, reg.ignoreChanges);
  return handler.check ? handler.check(old?.inputs, given) : given;
}

/** What the engine decides for an existing resource (`replaced`: what this run replaces already). */
export async function decide(reg: Registration, old: StateEntry, inputs: Record<string, unknown>, replaced: Set<string>): Promise<Decision> {
  if (old.status === "failed") return afterFailedCreate(reg, old, inputs);
  if (reg.deletedWith && replaced.has(reg.deletedWith)) return { kind: "replace", reason: `its deletedWith resource ${reg.deletedWith.split("::").pop()} is replaced` };
  return handlerFor(reg.type).diff(old, inputs);
}

/** One resource of `pulumi up`: create, keep, update or replace it, as its provider decides. */
async function step(d: Deployment, reg: Registration, rawInputs: Record<string, unknown>): Promise<StateEntry> {
  const started = Date.now();
  const handler = handlerFor(reg.type);
  const old = d.state.resources[reg.urn];
  const inputs = await checkedInputs(reg, old, rawInputs);
  if (!old) {
    const created = await d.create(reg, inputs);
    d.record("create", reg, started);
    return created;
  }
  const decision = await decide(reg, old, inputs, d.replaced);
  switch (decision.kind) {
    case "same": {
      const kept = d.put(reg, inputs, { id: old.id ?? "", outputs: old.outputs }, "ok", old.order);
      d.record("same", reg, started);
      return kept;
    }
    case "update": {
      if (!handler.update) throw new Error("its provider cannot update in place");
      const outputs = await handler.update(old, inputs, d.providerConfig(reg));
      const updated = d.put(reg, inputs, { id: old.id ?? "", outputs }, "ok", old.order);
      d.record("update", reg, started, decision.reason);
      return updated;
    }
    case "replace": {
      if (old.protect) {
        throw new Error(`unable to replace resource "${reg.urn}" as it is currently marked for protection (${decision.reason})`);
      }
      if (reg.deleteBeforeReplace || decision.deleteBeforeReplace) {
        await d.delete(old);
      } else {
        // Create before delete: the old one is deleted once the whole update has succeeded.
        d.state.pendingDeletes.push(old);
        delete d.state.resources[reg.urn];
        d.save();
      }
      d.replaced.add(reg.urn);
      const created = await d.create(reg, inputs);
      d.record("replace", reg, started, decision.reason);
      return created;
    }
  }
}

/** Deletes what the update replaced or no longer declares, dependents first; stops at the first failure. */
async function deleteLeftovers(d: Deployment, registered: Set<string>): Promise<void> {
  const gone = Object.values(d.state.resources).filter((e) => !registered.has(e.urn));
  const goneUrns = new Set(gone.map((e) => e.urn));
  for (const entry of deletionOrder([...d.state.pendingDeletes, ...gone])) {
    const started = Date.now();
    if (entry.protect) {
      d.fail(protectedDelete(entry.urn), refOf(entry));
      d.record("failed", entry, started, "protected");
      return;
    }
    try {
      const note = await d.delete(entry, goneUrns);
      if (entry.custom) d.record("delete", entry, started, note);
    } catch (err) {
      d.fail(`${label(entry)}: delete failed: ${(err as Error).message}`, refOf(entry));
      d.record("failed", entry, started, (err as Error).message);
      return;
    }
  }
}

/** `pulumi up` against the state file: deploys the program's resources in dependency order. */
export async function up(options: UpOptions): Promise<HarnessResult> {
  const startedAt = Date.now();
  const d = new Deployment(loadState(options.stateFile, options.stack), options.stateFile);
  const registered = new Set<string>();

  const program = await runProgramWithMocks({
    stack: options.stack,
    config: options.config,
    programPath: options.programPath,
    failed: () => d.failure !== undefined,
    newResource: async (_args, record) => {
      registered.add(record.urn);
      const reg = registrationOf(record);
      if (!reg.custom) {
        d.put(reg, {}, { id: "", outputs: {} }, "ok", d.state.resources[reg.urn]?.order);
        return { id: undefined, state: {} };
      }
      // Like the engine: after a failure nothing new is started; what runs finishes.
      if (d.failure) throw new Error(`${label(reg)}: not deployed because the deploy failed earlier`);
      const started = Date.now();
      try {
        const entry = await step(d, reg, record.inputs);
        return { id: entry.id, state: entry.outputs };
      } catch (err) {
        const message = `${label(reg)}: ${(err as Error).message}`;
        d.fail(message, refOf(reg));
        d.record("failed", reg, started, (err as Error).message);
        throw new Error(message);
      }
    },
  });
  const programMs = Date.now() - startedAt;
  if (program.error) d.fail(`the program failed: ${program.error.message}`);
  if (!d.failure) await deleteLeftovers(d, registered);
  d.save();

  return {
    command: "up",
    stack: options.stack,
    ok: !d.failure,
    ...(d.failure ? { error: d.failure } : {}),
    outputs: program.outputs,
    steps: d.steps,
    protectedLeft: [],
    timings: { totalMs: Date.now() - startedAt, programMs },
  };
}
