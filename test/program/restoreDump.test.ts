import { beforeAll, expect, it } from "vitest";
import { runProgram, type ProgramRun } from "../support/runProgram";
import { dependsOn, T } from "./clusterExpectations";

// Pulumi.staging.yaml seeded from a dump, with backups in a host directory.
let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("staging", {
    "pgstack:restore": { source: "/srv/old-backups", dump: "latest" },
    "pgstack:backup": { hostPath: "/srv/pgstack/staging" },
  });
});

it("runs initdb, then seeds the database from the dump once the database and its owner exist", () => {
  const primary = run.mocks.byName(T.container, "primary").inputs;
  expect(primary.envs).toContain("PGSTACK_BOOTSTRAP=initdb");
  expect(primary.volumes).toContainEqual({ hostPath: "/srv/old-backups", containerPath: "/var/lib/pgstack/restore-source", readOnly: true });
  const seed = run.mocks.byName(T.command, "restore-dump");
  expect(seed.inputs.create).toBe("docker exec -u postgres staging-primary sh /pgstack/bin/restore-dump.sh '/var/lib/pgstack/restore-source' 'latest' 'app' 'app'");
  expect(dependsOn(run, seed, run.mocks.byName(T.database, "app-database"))).toBe(true);
  expect(dependsOn(run, seed, run.mocks.byName(T.role, "app-role"))).toBe(true);
  expect(dependsOn(run, run.mocks.byName(T.container, "pgbouncer"), seed)).toBe(true);
  expect(run.mocks.byName(T.command, "restore-plan").inputs.create).toMatch(/'dump' 'app' 'latest'$/);
});

it("keeps backups in the host directory instead of a volume", () => {
  expect(run.mocks.byType(T.volume).map((v) => v.inputs.name)).not.toContain("staging-backups");
  for (const name of ["primary", "replica-1", "backup"]) {
    expect(run.mocks.byName(T.container, name).inputs.volumes).toContainEqual({ hostPath: "/srv/pgstack/staging", containerPath: "/var/lib/pgstack/backups" });
  }
});
