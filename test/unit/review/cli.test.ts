import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewPlan } from "../../../scripts/lib/review";
import { repoRoot } from "../../support/repoRoot";

// The CLI as users run it: compiled (as `npm run review` runs dist/scripts/review.js), in its own
// node process, its exit code and output checked. A stand-in `pulumi` on PATH (a shell script that
// prints a recorded plan) plays the engine where the real CLI would run.

const ROOT = repoRoot();
const fixture = (p: string) => path.join(ROOT, "test", "fixtures", "plans", p);
let outDir: string;
let cli: string;
let scratch: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cli, ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "", ...options.env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? "");
  });
}

/** A `pulumi` that logs where and how it was called, then prints `plan` and exits with `code`. */
function fakePulumi(name: string, output: string, code = 0): { bin: string; log: string } {
  const bin = path.join(scratch, name);
  mkdirSync(bin);
  const log = path.join(bin, "calls.log");
  writeFileSync(path.join(bin, "output.json"), output);
  writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$PWD|$*" >> '${log}'\ncat '${path.join(bin, "output.json")}'\nexit ${code}\n`);
  chmodSync(path.join(bin, "pulumi"), 0o755);
  return { bin, log };
}

beforeAll(() => {
  // Compiled under the repository (gitignored), so the CLI finds Pulumi.yaml above itself as in dist/.
  outDir = path.join(ROOT, ".test-results", `review-cli-${process.pid}`);
  execFileSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "--outDir", outDir, "--rootDir", ROOT, "--module", "commonjs", "--target", "es2020", "--moduleResolution", "node", "--strict", "--esModuleInterop", "--skipLibCheck", "--types", "node", path.join(ROOT, "scripts", "review.ts")],
    { cwd: ROOT, stdio: "pipe" },
  );
  cli = path.join(outDir, "scripts", "review.js");
  scratch = mkdtempSync(path.join(tmpdir(), "pgstack-review-cli-"));
}, 180_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("npm run review (the compiled CLI)", () => {
  it("exits 0, 1 and 2 by the verdict of a saved plan; progress on stderr, the review alone on stdout", async () => {
    const safe = await run(["--plan", fixture("derived/work_mem.json")]);
    expect(safe.code).toBe(0);
    expect(safe.stdout.split("\n")[0]).toBe("pgstack review of stack staging: SAFE (exit 0)");
    expect(safe.stderr).toBe(`review: reading the plan ${fixture("derived/work_mem.json")}\nreview: safe (exit 0)\n`);
    expect((await run(["--plan", fixture("real-engine/unchanged.json")])).code).toBe(1);
    const destructive = await run(["--plan", fixture("real-engine/replicas_1_to_0.json"), "--markdown"]);
    expect(destructive.code).toBe(2);
    expect(destructive.stdout.split("\n")[0]).toBe("### 🛑 pgstack review of stack `staging`: DESTRUCTIVE (exit 2)");
  }, 120_000);

  it("prints the typed Review with --json, the same the library returns", async () => {
    const plan = fixture("derived/protect_off.json");
    const r = await run(["--json", `--plan=${plan}`]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(reviewPlan(JSON.parse(readFileSync(plan, "utf8"))))));
  }, 60_000);

  it("reads a plan from stdin with --plan -, and colours only with --color when not on a terminal", async () => {
    const input = readFileSync(fixture("derived/shared_buffers.json"), "utf8");
    const plain = await run(["--plan", "-"], { input });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain("shared_buffers 256MB → 300MB needs a restart: primary and replica-1 restart");
    expect(plain.stdout).not.toContain("\u001b[");
    const coloured = await run(["--plan", "-", "--color"], { input });
    expect(coloured.stdout).toContain("\u001b[33m ! shared_buffers");
  }, 60_000);

  it("exits 3, never a verdict, on bad arguments and bad plans, saying what to do", async () => {
    const none = await run([]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^review: give --stack <name> \(to run pulumi preview\) or --plan <file>\nusage: /);
    expect((await run(["--plan"])).stderr).toContain("review: --plan needs a value");
    expect((await run(["--frobnicate"])).stderr).toContain("review: unknown argument --frobnicate");
    const missing = await run(["--plan", "/nonexistent/plan.json"]);
    expect([missing.code, missing.stderr]).toEqual([3, "review: --plan /nonexistent/plan.json: no such file\n"]);
    const garbage = await run(["--plan", "-"], { input: "not json" });
    expect(garbage.code).toBe(3);
    expect(garbage.stderr).toMatch(/review: stdin is not JSON .*expected the output of pulumi preview --json/);
    const wrongStack = await run(["--stack", "production", "--plan", fixture("derived/work_mem.json")]);
    expect([wrongStack.code, wrongStack.stderr.trim().split("\n").pop()]).toEqual([3, "review: the plan is of stack staging, not production"]);
    const help = await run(["--help"]);
    expect([help.code, help.stdout.split("\n")[0]]).toEqual([0, "usage: npm run --silent review -- (--stack <name> | --plan <file|->) [--json | --markdown] [--color | --no-color]"]);
  }, 120_000);

  it("without the Pulumi CLI, says so and suggests --plan", async () => {
    const empty = path.join(scratch, "empty-path");
    mkdirSync(empty, { recursive: true });
    const r = await run(["--stack", "staging"], { env: { PATH: empty } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("the Pulumi CLI is not installed here (no `pulumi` on PATH)");
    expect(r.stderr).toContain("npm run review -- --plan plan.json");
  }, 60_000);

  it("runs pulumi preview --json --non-interactive --stack <name> in the repository root and reviews what it prints", async () => {
    const { bin, log } = fakePulumi("ok", readFileSync(fixture("real-engine/replicas_1_to_0.json"), "utf8"));
    const r = await run(["--stack", "staging"], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.code).toBe(2);
    expect(readFileSync(log, "utf8")).toBe(`${ROOT}|preview --json --non-interactive --stack staging\n`);
    expect(r.stderr.split("\n")[0]).toBe(`review: running pulumi preview --json --non-interactive --stack staging in ${ROOT}`);
    expect(r.stdout).toContain("!! DESTRUCTIVE: read this first");
  }, 60_000);

  it("a preview that fails is exit 3 with the preview's own error", async () => {
    const diagnostics = JSON.stringify({ diagnostics: [{ severity: "error", message: "pgstack:syncReplicas 2 exceeds pgstack:replicas 1\n" }] });
    const { bin } = fakePulumi("failing", diagnostics, 255);
    const r = await run(["--stack", "staging"], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n").pop()).toBe("review: the preview failed: pgstack:syncReplicas 2 exceeds pgstack:replicas 1");
  }, 60_000);
});
