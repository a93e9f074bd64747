import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot as findRepoRoot } from "./repoRoot";
import * as yaml from "js-yaml";

const repoRoot = findRepoRoot();

/** The `config:` of a real stack file, as Pulumi hands it to the program: strings, objects as JSON. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
  const doc = yaml.load(readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
  const merged = { ...(doc.config ?? {}), ...overrides };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/** Pulumi.yaml's declared project config (descriptions, types, defaults). */
export function projectConfigDeclarations(): Record<string, { type?: string; description?: string; default?: unknown }> {
  const doc = yaml.load(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as { config: Record<string, any> };
  return doc.config;
}
