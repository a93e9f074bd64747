import { beforeAll, describe, expect, it } from "vitest";
import { runProgram, type ProgramRun } from "../support/runProgram";
import { T } from "./clusterExpectations";

// A stack that sets neither pgstack:hosts nor pgstack:placement declares what pgstack always did:
// no explicit docker provider, the same resource names, and no engine settings on the commands
// and checks (so an existing stack's plan does not change).

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("production");
}, 120_000);

describe("one host (the default)", () => {
  it("declares no docker provider, and every resource goes through the default one", () => {
    expect(run.mocks.byType("pulumi:providers:docker")).toEqual([]);
    for (const r of run.mocks.resources) expect(r.provider, `${r.type} ${r.name}`).toBe("");
  });

  it("keeps the names of the stack-wide resources", () => {
    expect(run.mocks.byType(T.network).map((n) => n.name)).toEqual(["network"]);
    expect(run.mocks.byType(T.image).map((i) => i.name).sort()).toEqual(["pgbouncer-image", "postgres-image", "postgres-exporter-image", "pgbouncer-exporter-image"].sort());
    expect(run.mocks.byType(T.volume).map((v) => v.name).sort()).toEqual(["backups", "primary-data", "replica-1-data", "replica-2-data"]);
  });

  it("gives the checks and docker commands no engine settings", () => {
    for (const h of run.mocks.byType(T.health)) expect(h.inputs.dockerHost, h.name).toBeUndefined();
    for (const c of run.mocks.byType(T.command)) expect(c.inputs.environment?.DOCKER_HOST, c.name).toBeUndefined();
    for (const c of run.mocks.byType(T.command).filter((c) => c.name.endsWith("-live-settings") || c.name === "pgbouncer-userlist")) {
      expect(c.inputs.environment, c.name).toBeUndefined();
    }
    expect(run.mocks.byType("pulumi-nodejs:dynamic/postgres:BackupCatalog")[0].inputs.dockerHost).toBeUndefined();
  });

  it("clones replicas from the primary's alias on port 5432, with no port in their environment", () => {
    for (const m of ["replica-1", "replica-2"]) {
      const envs = run.mocks.byName(T.container, m).inputs.envs as string[];
      expect(envs).toContain("PGSTACK_BOOTSTRAP_SOURCE=primary");
      expect(envs.some((e) => e.startsWith("PGSTACK_BOOTSTRAP_SOURCE_PORT="))).toBe(false);
    }
  });
});
