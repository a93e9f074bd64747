/**
 * During `pulumi preview`, inputs that depend on not-yet-known outputs reach a dynamic provider's
 * `check` and `diff` as this placeholder string (pulumi/pulumi#6310). Validating it as a real
 * value would fail every preview of a fresh stack, so checks skip it and diffs treat it as a change.
 */
const UNKNOWN_PLACEHOLDER = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
// Exported by list, not `export const`: the serialized provider would read it as `exports.…`.
export { UNKNOWN_PLACEHOLDER };

/** True when `value` is the preview placeholder for an unknown value. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_PLACEHOLDER;
}

/** True when `value` is, or (in arrays and plain objects, at any depth) contains, the placeholder. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some((item) => containsUnknown(item));
  if (value !== null && typeof value === "object") {
    return Object.keys(value).some((key) => containsUnknown((value as Record<string, unknown>)[key]));
  }
  return false;
}
