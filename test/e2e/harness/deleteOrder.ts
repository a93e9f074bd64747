/** What the ordering needs of a state entry. */
export interface Deletable {
  urn: string;
  parent: string;
  dependencies: string[];
  order: number;
}

/**
 * The order to delete `entries` in: every resource before the resources it depends on and before
 * its parent (the reverse of a valid creation order), newest first among independent ones.
 * Dependencies on resources outside `entries` are ignored: those stay.
 */
export function deletionOrder<T extends Deletable>(entries: T[]): T[] {
  const byUrn = new Map(entries.map((e) => [e.urn, e]));
  // prerequisites[x] = entries that must be deleted before x: those depending on x, and x's children.
  const blockers = new Map<string, Set<string>>(entries.map((e) => [e.urn, new Set<string>()]));
  for (const e of entries) {
    for (const target of [...e.dependencies, e.parent]) {
      if (target && target !== e.urn && byUrn.has(target)) blockers.get(target)!.add(e.urn);
    }
  }
  const done = new Set<string>();
  const result: T[] = [];
  while (result.length < entries.length) {
    const ready = entries
      .filter((e) => !done.has(e.urn) && [...blockers.get(e.urn)!].every((b) => done.has(b)))
      .sort((a, b) => b.order - a.order);
    if (ready.length === 0) {
      const stuck = entries.filter((e) => !done.has(e.urn)).map((e) => e.urn);
      throw new Error(`dependency cycle among: ${stuck.join(", ")}`);
    }
    // One at a time, newest first, re-evaluating: keeps the order deterministic.
    result.push(ready[0]);
    done.add(ready[0].urn);
  }
  return result;
}

/** `protectedOnes` and everything they depend on, transitively (and their parents): what a destroy that spares protected resources must keep. */
export function keptWithProtected<T extends Deletable & { protect: boolean }>(entries: T[]): Set<string> {
  const byUrn = new Map(entries.map((e) => [e.urn, e]));
  const kept = new Set<string>();
  const visit = (urn: string) => {
    if (kept.has(urn) || !byUrn.has(urn)) return;
    kept.add(urn);
    const e = byUrn.get(urn)!;
    for (const dep of [...e.dependencies, e.parent]) visit(dep);
  };
  for (const e of entries) if (e.protect) visit(e.urn);
  return kept;
}
