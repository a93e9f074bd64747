import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";

// The harness's stand-in for a Pulumi stack's state: what exists, created from which inputs, with
// which outputs. Written after every step, so a failed or killed deploy still lists everything it
// made and the next `up` or `destroy` finds it. Holds plaintext secrets: it lives in a test
// directory, readable by its owner only.

export interface StateEntry {
  urn: string;
  type: string;
  name: string;
  parent: string;
  /** false for component resources, which have nothing to create. */
  custom: boolean;
  id?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  protect: boolean;
  deleteBeforeReplace: boolean;
  /** URN of the resource whose deletion takes this one along (its delete is then skipped); "" when none. */
  deletedWith: string;
  /** URNs this resource depends on (explicit dependsOn and inputs from other resources). */
  dependencies: string[];
  /** Inputs whose changes the engine ignores (their old values are kept). */
  ignoreChanges?: string[];
  /** Forgotten, not deleted, when it goes. */
  retainOnDelete?: boolean;
  /** Input paths whose change replaces it; "#initerror" or "*": a failed create is replaced. */
  replaceOnChanges?: string[];
  /** Top-level properties holding secrets, masked in a preview. */
  secretProperties?: string[];
  /** URN of the explicit provider that manages it (its configuration reaches the handler); absent for the default provider. */
  provider?: string;
  /** Creation sequence number: a tie-breaker for the order of deletion. */
  order: number;
  /** "failed": created but never became ready (like Pulumi's init errors): the next up replaces it. */
  status: "ok" | "failed";
}

export interface StackState {
  version: 1;
  stack: string;
  nextOrder: number;
  resources: Record<string, StateEntry>;
  /** Replaced resources whose deletion is still due (create-before-delete replacements). */
  pendingDeletes: StateEntry[];
}

export function emptyState(stack: string): StackState {
  return { version: 1, stack, nextOrder: 1, resources: {}, pendingDeletes: [] };
}

export function loadState(file: string, stack: string): StackState {
  if (!existsSync(file)) return emptyState(stack);
  const state = JSON.parse(readFileSync(file, "utf8")) as StackState;
  if (state.stack !== stack) throw new Error(`state file ${file} belongs to stack "${state.stack}", not "${stack}"`);
  return state;
}

/** Writes atomically (temporary file, then rename), so a crash never leaves half a state file. */
export function saveState(file: string, state: StackState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Every entry that still exists: current resources and replaced ones awaiting deletion. */
export function allEntries(state: StackState): StateEntry[] {
  return [...Object.values(state.resources), ...state.pendingDeletes];
}
