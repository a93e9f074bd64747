import { deletionOrder, keptWithProtected } from "./deleteOrder";
import { Deployment, label, refOf } from "./deployment";
import type { HarnessResult, ResourceRef } from "./result";
import { allEntries, loadState } from "./state";

export interface DestroyOptions {
  stack: string;
  stateFile: string;
}

/**
 * `pulumi destroy --exclude-protected`: deletes everything in the state, dependents first, except
 * protected resources and what they depend on, which are left and reported. Stops at the first
 * failure, as the engine does; the state then still lists what is left.
 */
export async function destroy(options: DestroyOptions): Promise<HarnessResult> {
  const startedAt = Date.now();
  const d = new Deployment(loadState(options.stateFile, options.stack), options.stateFile);
  const entries = allEntries(d.state);
  const kept = keptWithProtected(entries);
  const protectedLeft: ResourceRef[] = [];
  const deleted = new Set(entries.filter((e) => !kept.has(e.urn)).map((e) => e.urn));

  for (const entry of deletionOrder(entries)) {
    const started = Date.now();
    if (kept.has(entry.urn)) {
      if (entry.custom) {
        protectedLeft.push(refOf(entry));
        d.record("kept-protected", entry, started);
      }
      continue;
    }
    try {
      const note = await d.delete(entry, deleted);
      if (entry.custom) d.record("delete", entry, started, note);
    } catch (err) {
      d.fail(`${label(entry)}: delete failed: ${(err as Error).message}`, refOf(entry));
      d.record("failed", entry, started, (err as Error).message);
      break;
    }
  }
  if (protectedLeft.length > 0) {
    process.stderr.write(
      `harness: all unprotected resources were destroyed. There are still ${protectedLeft.length} protected resources associated with this stack:\n` +
        protectedLeft.map((r) => `  ${r.urn}\n`).join(""),
    );
  }
  return {
    command: "destroy",
    stack: options.stack,
    ok: !d.failure,
    ...(d.failure ? { error: d.failure } : {}),
    outputs: {},
    steps: d.steps,
    protectedLeft,
    timings: { totalMs: Date.now() - startedAt, programMs: 0 },
  };
}
