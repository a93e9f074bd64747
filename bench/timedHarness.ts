import { spawn } from "node:child_process";
import * as path from "node:path";
import { RESULT_MARKER, type HarnessResult } from "../test/e2e/harness/result";
import { repoRoot } from "../test/e2e/harness/stackConfig";

// Runs the e2e harness CLI like the E2EStack wrapper does, but stamps each stderr line with the
// moment it arrived: the harness reports steps only as durations, and the benchmark needs to know
// when, from the start of the deploy, streaming was verified. (The wrapper itself finds the CLI
// relative to its source directory, which is dist/ once compiled; this finds the repository by
// its Pulumi.yaml, from wherever it runs.)

export const REPO_ROOT = repoRoot(__dirname);
export const HARNESS_CLI = path.join(REPO_ROOT, "dist", "test", "e2e", "harness", "cli.js");

export interface StampedLine {
  atMs: number;
  text: string;
}

export interface TimedHarnessRun {
  result?: HarnessResult;
  exitCode: number | null;
  /** Wall-clock time of the whole command, from spawn to exit. */
  durationMs: number;
  lines: StampedLine[];
}

/** Runs the CLI; `signal` (Ctrl-C) kills it, so no deploy goes on creating things during the cleanup. */
export function runHarnessTimed(args: string[], timeoutMs: number, onLine: (line: StampedLine) => void = () => undefined, signal?: AbortSignal): Promise<TimedHarnessRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARNESS_CLI, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const lines: StampedLine[] = [];
    let stdout = "";
    let pending = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const abort = () => child.kill("SIGKILL");
    if (signal?.aborted) abort();
    signal?.addEventListener("abort", abort, { once: true });
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      const atMs = Date.now() - started;
      const parts = (pending + d).split("\n");
      pending = parts.pop() ?? "";
      for (const text of parts) {
        const line = { atMs, text };
        lines.push(line);
        onLine(line);
      }
    });
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
      if (pending) lines.push({ atMs: Date.now() - started, text: pending });
      const marker = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      const result = marker ? (JSON.parse(marker.slice(RESULT_MARKER.length)) as HarnessResult) : undefined;
      resolve({ result, exitCode, durationMs: Date.now() - started, lines });
    });
  });
}
