import { beforeAll, expect, it } from "vitest";
import { runProgram, type ProgramRun } from "../support/runProgram";
import { dependsOn, T } from "./clusterExpectations";

// Pulumi.staging.yaml rebuilt from another stack's backups, to a point in time.
let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("staging", { "pgstack:restore": { source: "production-backups", targetTime: "2026-11-23T10:15:00Z" } });
});

it("checks the backups in a throwaway container before the primary exists", () => {
  const plan = run.mocks.byName(T.command, "restore-plan");
  expect(plan.inputs.create).toMatch(/^docker run --rm -i --network none --user root -v 'production-backups:\/var\/lib\/pgstack\/restore-source:ro' /);
  expect(plan.inputs.create).toMatch(/ -s -- \/var\/lib\/pgstack\/restore-source 'base' '2026-11-23T10:15:00.000Z'$/);
  expect(plan.inputs.stdin).toContain("restore-plan.sh");
  expect(dependsOn(run, run.mocks.byName(T.container, "primary"), plan)).toBe(true);
});

it("bootstraps the primary by restoring, with the source mounted read-only, and replicas by cloning it", () => {
  const primary = run.mocks.byName(T.container, "primary").inputs;
  expect(primary.envs).toEqual(expect.arrayContaining(["PGSTACK_BOOTSTRAP=restore", "PGSTACK_RESTORE_TARGET_TIME=2026-11-23T10:15:00.000Z"]));
  expect(primary.volumes).toContainEqual({ volumeName: "production-backups", containerPath: "/var/lib/pgstack/restore-source", readOnly: true });
  const replica = run.mocks.byName(T.container, "replica-1").inputs;
  expect(replica.envs).toContain("PGSTACK_BOOTSTRAP=clone");
  expect(replica.volumes.map((v: { containerPath: string }) => v.containerPath)).not.toContain("/var/lib/pgstack/restore-source");
  // The new stack archives into its own storage, never into the source.
  expect(primary.volumes).toContainEqual({ volumeName: "staging-backups", containerPath: "/var/lib/pgstack/backups" });
});

it("gives the backup role a replication login for base backups, from the stack's network only", () => {
  const role = run.mocks.byName(T.role, "backup-role").inputs;
  expect(role).toMatchObject({ roleName: "pgstack_backup", replication: true, inRoles: ["pg_read_all_data"] });
  const hba = (run.mocks.byName(T.container, "primary").inputs.uploads as { file: string; content: string }[]).find((u) => u.file.endsWith("pg_hba.conf"))!;
  expect(hba.content).toMatch(/^hostssl\s+replication\s+pgstack_backup\s+samenet\s+scram-sha-256$/m);
});
