// Pure helpers for the providers' `diff`: compare effective values (defaults applied), so an
// omitted optional input and its explicit default are the same thing.

/** Deep equality for the JSON-shaped values inputs are made of. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameValue(item, b[i]));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/**
 * The keys whose effective value differs between `olds` and `news`; `defaults` supplies the value
 * an absent key stands for.
 */
export function changedKeys(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  keys: readonly string[],
  defaults: Record<string, unknown> = {},
): string[] {
  const effective = (bag: Record<string, unknown>, key: string) => (bag[key] === undefined ? defaults[key] : bag[key]);
  return keys.filter((key) => !sameValue(effective(olds, key), effective(news, key)));
}
