import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { repoRoot } from "../../support/repoRoot";

// Stack config as Pulumi hands it to the program: `pgstack:key` → string (objects as JSON). The
// harness runs from dist/, so it finds the repository (Pulumi.yaml) by walking up.

export { repoRoot };

const fullKey = (key: string) => (key.includes(":") ? key : `pgstack:${key}`);

/**
 * The config of `configFrom` (a stack name: `Pulumi.<name>.yaml` in the repository; or the path of
 * a stack file, such as one a failover rewrote), none when undefined; then `overrides` (short keys allowed).
 */
export function stackConfig(configFrom: string | undefined, overrides: Record<string, unknown> = {}): Record<string, string> {
  let base: Record<string, unknown> = {};
  if (configFrom) {
    const isPath = configFrom.includes("/") || configFrom.endsWith(".yaml");
    const file = isPath ? path.resolve(configFrom) : path.join(repoRoot(), `Pulumi.${configFrom}.yaml`);
    base = ((yaml.load(readFileSync(file, "utf8")) as { config?: Record<string, unknown> }).config ?? {}) as Record<string, unknown>;
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) merged[fullKey(key)] = value;
  return Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}
