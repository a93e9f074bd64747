import { describe, expect, it } from "vitest";
import { localCommand } from "../../e2e/harness/handlers/command";
import { containerDecision } from "../../e2e/harness/handlers/container";
import { randomPassword } from "../../e2e/harness/handlers/random";
import { changedInputs, sameJson } from "../../e2e/harness/handlers/types";
import type { StateEntry } from "../../e2e/harness/state";

const entry = (inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}): StateEntry => ({
  urn: "u",
  type: "t",
  name: "n",
  parent: "",
  custom: true,
  inputs,
  outputs,
  protect: false,
  deleteBeforeReplace: false,
  deletedWith: "",
  dependencies: [],
  order: 1,
  status: "ok",
});

describe("what a second deploy does to an existing resource", () => {
  it("compares inputs as JSON, ignoring key order and undefined fields", () => {
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(changedInputs({ a: 1, b: 2 }, { a: 1, b: 3, c: 4 })).toEqual(["b", "c"]);
  });

  it("re-runs a command in place when its script or stdin changes, and replaces it when its triggers do", async () => {
    const old = entry({ create: "x", stdin: "a", triggers: ["id1"] });
    expect(await localCommand.diff(old, { create: "x", stdin: "a", triggers: ["id1"] })).toEqual({ kind: "same" });
    expect(await localCommand.diff(old, { create: "x", stdin: "b", triggers: ["id1"] })).toEqual({ kind: "update", changed: ["stdin"] });
    expect((await localCommand.diff(old, { create: "x", stdin: "b", triggers: ["id2"] })).kind).toBe("replace");
  });

  it("updates a container's restart policy, memory and what only the provider uses in place, and replaces it for the rest", () => {
    // The provider's state holds the forms it read back; these inputs are already in them.
    const old = { name: "c", image: "i", memory: 512, memorySwap: 512, restart: "unless-stopped", uploads: [{ file: "/a", content: "1" }], waitTimeout: 60 };
    expect(containerDecision(old, { ...old })).toEqual({ kind: "same" });
    expect(containerDecision(old, { ...old, memory: 1024, memorySwap: 1024, waitTimeout: 90 })).toMatchObject({ kind: "update", reason: "changed: memory, memorySwap, waitTimeout", replacing: [] });
    expect(containerDecision(old, { ...old, memory: 1024, uploads: [{ file: "/a", content: "2" }] })).toMatchObject({ kind: "replace", deleteBeforeReplace: true, reason: "changed: uploads", changed: ["uploads", "memory"], replacing: ["uploads"] });
  });

  it("keeps a generated password unless its inputs change", async () => {
    const created = await randomPassword.create({ length: 32, special: false }, "u");
    expect(created.outputs.result).toMatch(/^[A-Za-z0-9]{32}$/);
    const old = entry({ length: 32, special: false }, created.outputs);
    expect(await randomPassword.diff(old, { special: false, length: 32 })).toEqual({ kind: "same" });
    expect((await randomPassword.diff(old, { length: 24, special: false })).kind).toBe("replace");
  });

  it("runs commands with the shell, stdin and the previous output, and fails with their stderr", async () => {
    const created = await localCommand.create({ create: "read line; echo \"got $line\"", stdin: "hello\n" }, "u");
    expect(created.outputs.stdout).toBe("got hello");
    const updated = await localCommand.update!(entry({}, created.outputs), { create: "echo \"was $PULUMI_COMMAND_STDOUT\"" });
    expect(updated.stdout).toBe("was got hello");
    await expect(localCommand.create({ create: "echo broken >&2; exit 3" }, "u")).rejects.toThrow(/exited with 3[\s\S]*broken/);
  });
});
