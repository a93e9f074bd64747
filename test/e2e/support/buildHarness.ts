import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../support/repoRoot";

// The harness runs compiled (dist/) in a plain node process. Rebuild when any source it runs is
// newer than its compiled CLI, so `vitest run --project e2e` after an edit never tests stale code;
// checked once per test file, so every deploy of a scenario runs the same program.

export const REPO_ROOT = repoRoot();
export const HARNESS_CLI = path.join(REPO_ROOT, "dist", "test", "e2e", "harness", "cli.js");
const SOURCES = ["index.ts", "components", "config", "providers", "scripts", "test/e2e/harness", "test/support/recordingMocks.ts"];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return entry.endsWith(".ts") ? stat.mtimeMs : 0;
  return Math.max(0, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

let checked = false;

export function ensureHarnessBuilt(): void {
  if (checked) return;
  checked = true;
  const built = existsSync(HARNESS_CLI) ? statSync(HARNESS_CLI).mtimeMs : 0;
  const newest = Math.max(...SOURCES.map((s) => newestMtime(path.join(REPO_ROOT, s))));
  if (newest <= built) return;
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: REPO_ROOT, stdio: "pipe", encoding: "utf8" });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`building the e2e harness (tsc -p tsconfig.json) failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}
