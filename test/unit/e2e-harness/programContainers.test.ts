import { beforeAll, describe, expect, it } from "vitest";
import { translateContainer } from "../../e2e/harness/dockerTranslate";
import { runProgram, type ProgramRun } from "../../support/runProgram";

// The contract between the program and the e2e harness: every Container the real production
// stack declares translates without an untranslated field, and the translation keeps what the
// program asked for.
let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("production");
});

describe("the program's containers, as the e2e harness deploys them", () => {
  it("translate completely", () => {
    const containers = run.mocks.byType("docker:index/container:Container");
    expect(containers.length).toBeGreaterThanOrEqual(5);
    for (const c of containers) {
      const plan = translateContainer(c.inputs);
      expect(plan.name).toBe(c.inputs.name);
      expect(plan.uploads.map((u) => `/${u.path}`)).toEqual(c.inputs.uploads.map((u: { file: string }) => u.file));
      expect(plan.create.HostConfig.Memory).toBe(c.inputs.memory * 1024 * 1024);
      expect(plan.create.Healthcheck?.Test).toEqual(c.inputs.healthcheck.tests);
      // Not the provider's wait: each container has a ContainerHealth that fails fast, with its log.
      expect(plan.wait.healthy).toBe(false);
    }
  });

  it("keep secret uploads root-only", () => {
    const primary = translateContainer(run.mocks.byName("docker:index/container:Container", "primary").inputs);
    const secrets = primary.uploads.filter((u) => u.path.startsWith("pgstack/secrets/"));
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s.mode).toBe(0o600);
  });
});
