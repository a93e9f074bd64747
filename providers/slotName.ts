const MAX_SLOT_NAME_LENGTH = 63;

/**
 * Why `name` is not a valid replication slot name, or undefined. PostgreSQL's rules
 * (ReplicationSlotValidateName): lower-case letters, digits and underscores, 1 to 63 characters.
 */
export function slotNameProblem(name: unknown): string | undefined {
  const rules = `PostgreSQL slot names use only lower-case letters, digits and underscores, 1 to ${MAX_SLOT_NAME_LENGTH} characters`;
  if (typeof name !== "string") return `slotName must be a string, got ${JSON.stringify(name)}; ${rules}`;
  if (name.length === 0) return `slotName "" is empty; ${rules}`;
  if (name.length > MAX_SLOT_NAME_LENGTH) return `slotName "${name}" is ${name.length} characters long; ${rules}`;
  if (!/^[a-z0-9_]+$/.test(name)) {
    const suggestion = name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
    return `slotName "${name}" is not a valid replication slot name: ${rules} (for example "${suggestion}")`;
  }
  return undefined;
}
