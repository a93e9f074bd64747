import { spawn } from "node:child_process";
import { RESULT_MARKER, type HarnessResult } from "../harness/result";
import { ensureHarnessBuilt, HARNESS_CLI, REPO_ROOT } from "./buildHarness";

/** A deploy or destroy that failed: the harness's result and the tail of its progress log. */
export class HarnessError extends Error {
  constructor(readonly result: HarnessResult | undefined, readonly stderr: string, message: string) {
    super(message);
    this.name = "HarnessError";
  }
}

export interface HarnessRun {
  result?: HarnessResult;
  exitCode: number | null;
  stderr: string;
  /** When the child process started (epoch ms) and its wall-clock time. */
  startedAt: number;
  durationMs: number;
}

/** Runs `node dist/test/e2e/harness/cli.js <args>`; resolves whatever the outcome. */
export function runHarness(args: string[], timeoutMs: number): Promise<HarnessRun> {
  ensureHarnessBuilt();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARNESS_CLI, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      let result: HarnessResult | undefined;
      try {
        result = line ? (JSON.parse(line.slice(RESULT_MARKER.length)) as HarnessResult) : undefined;
      } catch (err) {
        stderr += `\n(the harness's result line is not valid JSON: ${(err as Error).message})`;
      }
      if (timedOut) stderr += `\n(killed: the harness ran longer than ${timeoutMs} ms)`;
      resolve({ result, exitCode, stderr, startedAt: started, durationMs: Date.now() - started });
    });
  });
}

const tail = (text: string, lines = 40) => text.trim().split("\n").slice(-lines).join("\n");

/** The run's result when it succeeded; otherwise a HarnessError with the cause and the progress log. */
export function expectSuccess(run: HarnessRun, what: string): HarnessResult {
  if (run.result?.ok && run.exitCode === 0) return run.result;
  const cause = run.result?.error?.message ?? `no result (exit ${run.exitCode})`;
  throw new HarnessError(run.result, run.stderr, `${what} failed: ${cause}\n--- harness log (tail) ---\n${tail(run.stderr)}`);
}
