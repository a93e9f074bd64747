import { SECRET, UNKNOWN } from "./plan";

// Every value the review prints goes through `show`: secrets, values of properties that hold
// credentials and placeholders of values not known yet never reach the output.

/** Property names whose values are credentials, whatever the plan marks (checked on every path segment). */
const SENSITIVE_NAME = /password|passwd|passphrase|^pass$|pgpass|verifier|secret|salt|userlist|token|credential|private_?key|api_?key/i;
/** Names that match the pattern but hold no credential. */
const NOT_SENSITIVE = new Set(["password_encryption", "passfile"]);

export const HIDDEN = "(secret, not shown)";
export const NOT_KNOWN = "(known after the deploy)";
export const UNSET = "(unset)";

/** True when a property of this name (or path such as `uploads[3].content`) holds credentials. */
export function isSensitiveName(path: string): boolean {
  return path.split(/[.[\]]+/).some((segment) => segment !== "" && !NOT_SENSITIVE.has(segment) && SENSITIVE_NAME.test(segment));
}

/** True when `value` is, or contains anywhere, a value the plan marks secret. */
export function containsSecret(value: unknown): boolean {
  if (value === SECRET) return true;
  if (typeof value === "string") return value.includes(SECRET);
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value && typeof value === "object") {
    // The engine's own encoding of a secret, should a plan carry one undecorated.
    if ("4dabf18193072939515e22adb298388d" in (value as object)) return true;
    return Object.values(value as object).some(containsSecret);
  }
  return false;
}

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (typeof value === "string") return value.includes(UNKNOWN);
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value as object).some(containsUnknown);
  return false;
}

/** Hides the value of any `password=...` inside a connection string or command line. */
export function maskInlinePasswords(text: string): string {
  return text.replace(/(password\s*=\s*)('(?:[^']|'')*'|"[^"]*"|\S+)/gi, `$1${HIDDEN}`);
}

/** A value for the Review's data (not shortened, not quoted), with the same protection as `show`. */
export function safeValue(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (isSensitiveName(name) || containsSecret(value)) return HIDDEN;
  if (containsUnknown(value)) return NOT_KNOWN;
  return maskInlinePasswords(value);
}

const MAX_SHOWN = 120;

/**
 * A value as the review prints it: strings quoted when `quote`, other values as JSON, long ones
 * shortened. `name` is the property's name or path; a sensitive one is never shown.
 */
export function show(value: unknown, name = "", options: { quote?: boolean } = {}): string {
  if (value === undefined || value === null) return UNSET;
  if (name && isSensitiveName(name)) return HIDDEN;
  if (containsSecret(value)) return HIDDEN;
  if (containsUnknown(value)) return NOT_KNOWN;
  let text = typeof value === "string" ? (options.quote ? JSON.stringify(value) : value) : JSON.stringify(value);
  text = maskInlinePasswords(text);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/**
 * The value at a detailedDiff path in a property bag: `a.b`, `a[0].b`, `a["x.y"]`. Undefined when
 * any step is missing.
 */
export function valueAt(bag: unknown, path: string): unknown {
  let current: unknown = bag;
  for (const segment of pathSegments(path)) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(m[3].replace(/\\(.)/g, "$1"));
  }
  return segments;
}

/** The top-level property a detailedDiff path belongs to: `healthcheck.startPeriod` → `healthcheck`. */
export function topProperty(path: string): string {
  const first = pathSegments(path)[0];
  return first === undefined ? path : String(first);
}

/** Deep equality of JSON values. */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
