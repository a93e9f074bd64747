import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HarnessResult } from "../../e2e/harness/result";
import type { StackState } from "../../e2e/harness/state";
import { runHarness, type HarnessRun } from "../../e2e/support/harnessClient";

// The harness's engine, without Docker: the compiled CLI runs a tiny program (local commands, a
// random password, a dynamic resource) against a state file, deploy after deploy, and the
// commands log what really ran.

const dir = mkdtempSync(path.join(tmpdir(), "pgstack-engine-"));
const logFile = path.join(dir, "actions.log");
const stateFile = path.join(dir, "state.json");
const program = path.join(__dirname, "fixtures", "tinyProgram.js");
writeFileSync(logFile, "");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const up = (config: Record<string, unknown> = {}) =>
  runHarness(["up", "--stack", "engine", "--state", stateFile, "--program", program, "--config", JSON.stringify({ log: logFile, ...config })], 60_000);
const destroy = () => runHarness(["destroy", "--stack", "engine", "--state", stateFile], 60_000);

/** Log lines written since the last call. */
let seen = 0;
function newActions(): string[] {
  const lines = readFileSync(logFile, "utf8").split("\n").filter(Boolean);
  const fresh = lines.slice(seen);
  seen = lines.length;
  return fresh;
}
const ok = (run: HarnessRun): HarnessResult => {
  expect(run.result?.ok, run.stderr).toBe(true);
  return run.result!;
};
const ops = (result: HarnessResult) => result.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);
const state = () => JSON.parse(readFileSync(stateFile, "utf8")) as StackState;

describe("the harness engine, deploy after deploy", () => {
  it("creates everything in dependency order and returns the outputs", async () => {
    const result = ok(await up());
    expect(newActions()).toEqual(["create base", "create child", "create dyn v1", "create extra"]);
    expect(result.outputs.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(result.outputs.seen).toBe("v1");
  });

  it("changes nothing on an unchanged deploy, keeping generated values", async () => {
    const before = state();
    const result = ok(await up());
    expect(ops(result)).toEqual([]);
    expect(newActions()).toEqual([]);
    expect(result.outputs.password).toBe(Object.values(before.resources).find((e) => e.name === "pw")?.outputs.result);
  });

  it("updates a dynamic resource in place, replaces a command whose triggers changed (create before delete)", async () => {
    const result = ok(await up({ value: "v2", trigger: "t2" }));
    expect(ops(result).sort()).toEqual(["delete child", "replace child", "update dyn"]);
    expect(newActions()).toEqual(["create child", "update dyn v2", "delete child"]);
    expect(result.outputs.seen).toBe("v2");
  });

  it("deletes first when a provider asks for delete-before-replace", async () => {
    ok(await up({ value: "v2", trigger: "t2", key: "k2" }));
    expect(newActions()).toEqual(["delete dyn v2", "create dyn v2"]);
  });

  it("replaces generated values only when their inputs change", async () => {
    const before = state();
    const result = ok(await up({ value: "v2", trigger: "t2", key: "k2", length: 24 }));
    expect(result.outputs.password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(result.outputs.password).not.toBe(Object.values(before.resources).find((e) => e.name === "pw")?.outputs.result);
    // base reads the password on stdin: it is updated, not recreated. The old password goes last.
    expect(ops(result).sort()).toEqual(["delete pw", "replace pw", "update base"]);
  });

  it("deletes what the program no longer declares, and refuses to delete what is protected", async () => {
    const cfg = { value: "v2", trigger: "t2", key: "k2", length: 24 };
    ok(await up({ ...cfg, protectExtra: "true" }));
    newActions();
    const refused = await up({ ...cfg, protectExtra: "true", shape: "small" });
    expect(refused.result?.ok).toBe(false);
    expect(refused.result?.error?.message).toMatch(/unable to delete resource ".*::extra" as it is currently marked for protection/);
    expect(newActions()).toEqual([]);
    // As Pulumi says: unprotect it in the program first, then remove it.
    expect(ops(ok(await up(cfg)))).toEqual([]);
    const removed = ok(await up({ ...cfg, shape: "small" }));
    expect(ops(removed)).toEqual(["delete extra"]);
    expect(newActions()).toEqual(["delete extra"]);
  });

  it("reports a failing step with the resource and its stderr, keeps the state, and recovers", async () => {
    const cfg = { value: "v2", trigger: "t2", key: "k2", length: 24, shape: "small" };
    const failed = await up({ ...cfg, baseFails: "true" });
    expect(failed.exitCode).toBe(1);
    expect(failed.result?.error?.resource?.name).toBe("base");
    expect(failed.result?.error?.message).toMatch(/command:local:Command "base": command exited with 7[\s\S]*base is broken/);
    expect(Object.values(state().resources).map((e) => e.name)).toEqual(expect.arrayContaining(["base", "child", "dyn", "pw"]));
    ok(await up(cfg));
  });

  it("destroys everything, dependents first", async () => {
    newActions();
    const result = ok(await destroy());
    expect(newActions()).toEqual(["delete dyn v2", "delete child", "delete base"]);
    expect(result.protectedLeft).toEqual([]);
    expect(state().resources).toEqual({});
  });
});
