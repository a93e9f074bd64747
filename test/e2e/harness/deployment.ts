import { handlerFor } from "./handlers";
import { PartialCreateError, type Created, type ProviderConfig } from "./handlers/types";
import type { ResourceRef, Step, StepOp } from "./result";
import { saveState, type StackState, type StateEntry } from "./state";

/** What the engine knows of a resource when it acts on it. */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  protect: boolean;
  deleteBeforeReplace: boolean;
  deletedWith: string;
  dependencies: string[];
  ignoreChanges: string[];
  retainOnDelete: boolean;
  replaceOnChanges: string[];
  /** Top-level properties holding secrets (inputs the program marked, outputs the provider keeps secret). */
  secretProperties: string[];
  /** URN of the explicit provider that manages it; absent for the default provider. */
  provider?: string;
}

/** The URN of a provider reference (`<urn>::<id>`; URNs contain `::` themselves). */
export function providerUrnOf(ref: string): string | undefined {
  if (!ref) return undefined;
  const at = ref.lastIndexOf("::");
  return at > 0 ? ref.slice(0, at) : ref;
}

export const refOf = (e: { type: string; name: string; urn: string; id?: string }): ResourceRef => ({ type: e.type, name: e.name, urn: e.urn, id: e.id });

/** `<type> "<name>"`, the way errors name a resource. */
export const label = (e: { type: string; name: string }) => `${e.type} "${e.name}"`;

/**
 * One run of the harness against a stack's state: performs steps through the handlers, records
 * each (with its duration) and saves the state after every change.
 */
export class Deployment {
  readonly steps: Step[] = [];
  /** URNs replaced in this run: what is deletedWith one of them is replaced with it, as the engine does. */
  readonly replaced = new Set<string>();
  failure?: { message: string; resource?: ResourceRef };

  constructor(readonly state: StackState, private readonly stateFile: string) {}

  save(): void {
    saveState(this.stateFile, this.state);
  }

  record(op: StepOp, e: { type: string; name: string; urn: string }, startedAt: number, detail?: string): void {
    const endedAt = Date.now();
    this.steps.push({ op, type: e.type, name: e.name, urn: e.urn, durationMs: endedAt - startedAt, startedAt, endedAt, ...(detail ? { detail } : {}) });
    process.stderr.write(`harness: ${op.padEnd(14)} ${label(e)} ${endedAt - startedAt} ms${detail && op !== "failed" ? ` (${detail})` : ""}\n`);
  }

  fail(message: string, resource?: ResourceRef): void {
    this.failure ??= { message, resource };
  }

  /** Stores a resource in the state as it now exists. */
  put(reg: Registration, inputs: Record<string, unknown>, created: Created, status: StateEntry["status"], order?: number): StateEntry {
    const entry: StateEntry = {
      ...reg,
      id: created.id,
      inputs,
      outputs: created.outputs,
      status,
      order: order ?? this.state.nextOrder++,
    };
    this.state.resources[reg.urn] = entry;
    this.save();
    return entry;
  }

  /**
   * The configuration of the explicit provider of a resource, as the engine hands it to that
   * provider: from the provider's own entry in the state (created before the resources that name
   * it, deleted after them).
   */
  providerConfig(e: { provider?: string }): ProviderConfig {
    if (!e.provider) return {};
    const p = this.state.resources[e.provider] ?? this.state.pendingDeletes.find((x) => x.urn === e.provider);
    if (!p) throw new Error(`its provider ${e.provider} is not in the state`);
    const host = p.inputs.host;
    return typeof host === "string" && host !== "" ? { dockerHost: host } : {};
  }

  /** Creates for real; a create that made something before failing is still stored (status failed). */
  async create(reg: Registration, inputs: Record<string, unknown>): Promise<StateEntry> {
    try {
      return this.put(reg, inputs, await handlerFor(reg.type).create(inputs, reg.urn, this.providerConfig(reg)), "ok");
    } catch (err) {
      if (err instanceof PartialCreateError) this.put(reg, inputs, err.created, "failed");
      throw err;
    }
  }

  /**
   * Deletes for real and forgets the entry (from the current resources or the pending deletes).
   * `deletedAlong`: URNs deleted in the same operation; an entry deletedWith one of them is only
   * forgotten. Returns why the provider was not called, if it was not.
   */
  async delete(entry: StateEntry, deletedAlong: Set<string> = new Set()): Promise<string | undefined> {
    const goesAlong = !!entry.deletedWith && deletedAlong.has(entry.deletedWith);
    const retained = entry.retainOnDelete === true;
    if (entry.custom && !goesAlong && !retained) await handlerFor(entry.type).delete(entry, this.providerConfig(entry));
    if (this.state.resources[entry.urn] === entry) delete this.state.resources[entry.urn];
    this.state.pendingDeletes = this.state.pendingDeletes.filter((e) => e !== entry);
    this.save();
    if (goesAlong) return `deleted with ${entry.deletedWith.split("::").pop()}`;
    return retained ? "retained (retainOnDelete): forgotten, not deleted" : undefined;
  }
}
