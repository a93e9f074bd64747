import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { dockerRaw } from "../support/docker";
import { expectSuccess, runHarness } from "./support/harnessClient";
import { REPO_ROOT } from "./support/buildHarness";

// The harness must see what the real Docker provider sees. A program that spells a container's
// limits differently from the provider's stored forms is a change on every deploy under the real
// engine (cpus "1" vs "1.0" replaces the container): the harness must report the same, and
// nothing once the program uses the stored forms.

const dir = mkdtempSync(path.join(tmpdir(), "pgstack-e2e-forms-"));
const program = path.join(REPO_ROOT, "test", "e2e", "fixtures", "containerForms.js");
const name = "e2e-forms-probe";
afterAll(async () => {
  await dockerRaw(["rm", "-f", name]);
  rmSync(dir, { recursive: true, force: true });
});

async function deploy(stateFile: string, forms: "as-given" | "canonical") {
  const config = JSON.stringify({ forms, name, image: inject("images").postgres });
  return expectSuccess(await runHarness(["up", "--stack", "forms", "--state", stateFile, "--program", program, "--config", config], 180_000), `deploy (${forms})`);
}

describe("the harness against the provider's stored forms", () => {
  it("replaces, on an unchanged redeploy, a container whose cpus the provider rewrites", async () => {
    const state = path.join(dir, "as-given.json");
    await deploy(state, "as-given");
    const again = await deploy(state, "as-given");
    expect(again.steps.map((s) => `${s.op} ${s.name} ${s.detail ?? ""}`.trim())).toEqual(["replace probe changed: cpus"]);
    await runHarness(["destroy", "--stack", "forms", "--state", state], 120_000);
  });

  it("changes nothing when the container is declared in the forms the provider stores", async () => {
    const state = path.join(dir, "canonical.json");
    await deploy(state, "canonical");
    const again = await deploy(state, "canonical");
    expect(again.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["same probe"]);
    await runHarness(["destroy", "--stack", "forms", "--state", state], 120_000);
  });
});
