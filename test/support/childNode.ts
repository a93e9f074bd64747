import { execFile } from "node:child_process";

import { repoRoot as findRepoRoot } from "./repoRoot";

export const repoRoot = findRepoRoot();

export interface ChildResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs a plain JavaScript program in a fresh `node` process from the repository root, outside
 * vitest's module transforms: what it requires is what the compiled project really contains.
 */
export function runNode(script: string, options: { args?: string[]; input?: string; timeoutMs?: number } = {}): Promise<ChildResult> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // vitest's loader hooks must not leak into the child
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["-e", script, ...(options.args ?? [])],
      { cwd: repoRoot, env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}
