import { beforeAll, describe, expect, it } from "vitest";
import { clusterPostgresqlSettings, splitByRestart } from "../../config/postgresqlSettings";
import { parseStackConfig } from "../../config/parseStackConfig";
import { isScramVerifier } from "../../config/scram";
import { containerDecision } from "../e2e/harness/handlers/container";
import { inspectAsDockerReports, stateAfterCreate } from "../e2e/harness/containerProviderState";
import { translateContainer } from "../e2e/harness/dockerTranslate";
import { stackConfig } from "../support/stackConfig";
import { certificateSans } from "../../config/tls";
import { mockCertPem, mockPrivateKeyPem } from "../support/programMocks";
import { plainStrings } from "../support/recordingMocks";
import { runProgram, type ProgramRun } from "../support/runProgram";
import { dependsOn, expectClusterShape, generatedPasswords, liveStdin, memberNames, T, type ExpectedShape } from "./clusterExpectations";

/**
 * The assertions every real stack file must pass under engine mocks: members, names, aliases,
 * ports, volumes, limits, secrets, and the order things are created in.
 */
export function describeStack(shape: ExpectedShape): void {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(shape.stack);
  });

  describe(`stack ${shape.stack}`, () => {
    it("declares one container per member plus PgBouncer and backup, named after the stack and role", () => {
      expectClusterShape(run, shape);
    });

    it("puts every container on the stack's network under its member alias", () => {
      const network = run.mocks.byType(T.network);
      expect(network).toHaveLength(1);
      expect(network[0].inputs.name).toBe(`pgstack-${shape.stack}`);
      for (const c of run.mocks.byType(T.container)) {
        expect(c.inputs.networksAdvanced).toEqual([{ name: `pgstack-${shape.stack}`, aliases: [c.name] }]);
      }
    });

    it("publishes every port on bindAddress at the configured host port", () => {
      const expected: Record<string, number> = { primary: shape.ports.primary, pgbouncer: shape.ports.pgbouncer };
      memberNames(shape).slice(1).forEach((m, i) => (expected[m] = shape.ports.replicaBase + i));
      for (const [name, port] of Object.entries(expected)) {
        const c = run.mocks.byName(T.container, name);
        expect(c.inputs.ports).toHaveLength(1);
        expect(c.inputs.ports[0]).toMatchObject({ external: port, ip: shape.bindAddress });
      }
      expect(run.mocks.byName(T.container, "backup").inputs.ports ?? []).toEqual([]);
    });

    it("gives every member its own named data volume, mounts the backup volume, and protects them as configured", () => {
      const volumes = run.mocks.byType(T.volume);
      expect(volumes.map((v) => v.inputs.name).sort()).toEqual(
        [...memberNames(shape).map((m) => `${shape.stack}-${m}-data`), `${shape.stack}-backups`].sort(),
      );
      for (const v of volumes) expect(v.protect, `${v.name} protect`).toBe(shape.protectData);
      for (const m of memberNames(shape)) {
        const mounts = run.mocks.byName(T.container, m).inputs.volumes;
        expect(mounts).toEqual([
          { volumeName: `${shape.stack}-${m}-data`, containerPath: "/var/lib/postgresql/data" },
          { volumeName: `${shape.stack}-backups`, containerPath: "/var/lib/pgstack/backups" },
        ]);
      }
    });

    it("limits members' memory and CPUs, restarts them, and stops them with a fast shutdown", () => {
      for (const m of memberNames(shape)) {
        const c = run.mocks.byName(T.container, m).inputs;
        expect(c.memory).toBe(shape.memoryMb);
        expect(Number(c.cpus)).toBe(shape.cpus);
        expect(c.restart).toBe("unless-stopped");
        expect(c.stopSignal).toBe("SIGINT");
        expect(c.healthcheck.tests[1]).toMatch(/^pg_isready /);
      }
      for (const c of run.mocks.byType(T.container)) {
        expect(c.deleteBeforeReplace, `${c.name} has a fixed name and port`).toBe(true);
        expect(c.replaceOnChanges, `${c.name}: a container whose start failed is replaced by the next deploy`).toEqual(["#initerror"]);
        expect(c.inputs.healthcheck, `${c.name} healthcheck`).toBeDefined();
        // Docker probes first one interval after the start: every second, so nothing waits on it.
        expect(c.inputs.healthcheck.interval, `${c.name} healthcheck interval`).toBe("1s");
      }
    });

    it("exports endpoints in plain text and the connection URLs as secrets", () => {
      expect(run.outputs.primaryEndpoint).toBe(`${shape.bindAddress}:${shape.ports.primary}`);
      expect(run.outputs.replicaEndpoints).toEqual(memberNames(shape).slice(1).map((_, i) => `${shape.bindAddress}:${shape.ports.replicaBase + i}`));
      expect(run.outputs.pgbouncerEndpoint).toBe(`${shape.bindAddress}:${shape.ports.pgbouncer}`);
      expect(run.secretOutputs.has("writeUrl")).toBe(true);
      expect(run.secretOutputs.has("readUrl")).toBe(true);
      expect(run.secretOutputs.has("primaryEndpoint")).toBe(false);
      expect(run.outputs.writeUrl).toMatch(new RegExp(`^postgresql://app:[A-Za-z0-9]+@${shape.bindAddress}:${shape.ports.pgbouncer}/app\\?sslmode=verify-full$`));
      expect(run.outputs.readUrl).toMatch(/\/app_ro\?sslmode=verify-full$/);
    });

    it("exports the cluster CA in plain text (it is public) and issues one server certificate per member and PgBouncer", () => {
      const ca = run.mocks.byName(T.selfSignedCert, "tls-ca");
      expect(ca.inputs.isCaCertificate).toBe(true);
      expect(run.outputs.caCertificate).toBe(mockCertPem("tls-ca"));
      expect(run.secretOutputs.has("caCertificate")).toBe(false);
      const settings = parseStackConfig(stackConfig(shape.stack), shape.stack);
      const parts = [...memberNames(shape), "pgbouncer"];
      expect(run.mocks.byType(T.signedCert).map((c) => c.name).sort()).toEqual(parts.map((p) => `${p}-tls-cert`).sort());
      for (const part of parts) {
        const cert = run.mocks.byName(T.signedCert, `${part}-tls-cert`).inputs;
        expect(cert.validityPeriodHours, part).toBe(settings.tls.validityHours);
        expect(cert.earlyRenewalHours, part).toBe(settings.tls.earlyRenewalHours);
        expect(cert.caCertPem, part).toBe(mockCertPem("tls-ca"));
        const request = run.mocks.byName(T.certRequest, `${part}-tls-request`).inputs;
        expect({ dnsNames: request.dnsNames, ipAddresses: request.ipAddresses }, part).toEqual(certificateSans(settings, part));
        expect(request.privateKeyPem, part).toBe(mockPrivateKeyPem(`${part}-tls-key`));
      }
    });

    it("writes each server's key into its running container only through a secret stdin, and starts it after that", () => {
      const keys = run.mocks.byType(T.privateKey).map((k) => mockPrivateKeyPem(k.name));
      expect(keys).toHaveLength(memberNames(shape).length + 2);
      const tlsTypes: string[] = [T.privateKey, T.certRequest, T.selfSignedCert, T.signedCert];
      for (const r of run.mocks.resources) {
        if (tlsTypes.includes(r.type)) continue;
        for (const text of plainStrings(r.rawInputs)) {
          for (const key of keys) expect(text.includes(key.split("\n")[1]), `${r.type} ${r.name} carries a private key in plain text`).toBe(false);
        }
      }
      for (const part of [...memberNames(shape), "pgbouncer"]) {
        const files = run.mocks.byName(T.command, `${part}-tls-files`);
        expect(files.secretPaths, part).toContain("stdin");
        expect(files.additionalSecretOutputs, part).toContain("stdin");
        expect(files.inputs.create, part).toBe(`docker exec -i -u root ${shape.stack}-${part} sh /pgstack/bin/install-tls.sh ${part === "pgbouncer" ? "pgbouncer" : "postgres"}`);
        expect(files.inputs.stdin, part).toContain(mockPrivateKeyPem(`${part}-tls-key`));
        expect(files.inputs.stdin, part).toContain(mockCertPem(`${part}-tls-cert`));
        expect(dependsOn(run, files, run.mocks.byName(T.container, part)), `${part}-tls-files needs the container`).toBe(true);
        expect(dependsOn(run, run.mocks.byName(T.health, `${part}-healthy`), files), `${part} is healthy only after its TLS files`).toBe(true);
        // Never an upload: a renewed certificate must not replace the container.
        const uploads = run.mocks.byName(T.container, part).inputs.uploads as { file: string }[];
        expect(uploads.map((u) => u.file).filter((f) => f.startsWith("/pgstack/tls/")), part).toEqual([]);
      }
    });

    it("connects every provider to the primary over TLS verified with the cluster CA", () => {
      for (const type of [T.role, T.slot, T.check, T.database]) {
        for (const r of run.mocks.byType(type)) expect(r.inputs.caCertificate, r.name).toBe(mockCertPem("tls-ca"));
      }
      expect(run.mocks.byName("pulumi-nodejs:dynamic/postgres:PrimaryGuard", "primary-guard").inputs.caCertificate).toBe(mockCertPem("tls-ca"));
    });

    it("never puts a password or verifier in any resource's plain inputs", () => {
      const passwords = generatedPasswords(run);
      expect(passwords).toHaveLength(6);
      for (const r of run.mocks.resources) {
        if (r.type === T.password) continue;
        for (const text of plainStrings(r.rawInputs)) {
          for (const pw of passwords) expect(text.includes(pw), `${r.type} ${r.name} carries a password in plain text`).toBe(false);
          // A verifier itself, not the provider code that describes one.
          expect(/SCRAM-SHA-256\$\d+:[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*:/.test(text), `${r.type} ${r.name} carries a SCRAM verifier in plain text`).toBe(false);
        }
      }
    });

    it("marks exactly the secret uploads secret, so config diffs stay readable", () => {
      const secretFiles = (name: string) => {
        const c = run.mocks.byName(T.container, name);
        const files = (c.inputs.uploads as { file: string }[]).map((u) => u.file);
        expect(c.secretPaths.every((p) => /^uploads\[\d+\]\.content$/.test(p)), `${name}: ${c.secretPaths}`).toBe(true);
        return c.secretPaths.map((p) => files[Number(/^uploads\[(\d+)\]/.exec(p)?.[1])]).sort();
      };
      for (const m of memberNames(shape)) {
        expect(secretFiles(m)).toEqual(["/pgstack/secrets/pgpass", "/pgstack/secrets/superuser.verifier"]);
        const uploads = run.mocks.byName(T.container, m).inputs.uploads as { file: string; content: string }[];
        expect(isScramVerifier(uploads.find((u) => u.file.endsWith("superuser.verifier"))!.content)).toBe(true);
      }
      expect(secretFiles("backup")).toEqual(["/pgstack/secrets/pgpass"]);
      expect(run.mocks.byName(T.command, "pgbouncer-userlist").secretPaths).toContain("stdin");
      expect(run.mocks.byName(T.command, "pgbouncer-live-settings").secretPaths).toEqual([]);
      expect(run.mocks.byName(T.command, "primary-live-settings").secretPaths).toEqual([]);
    });

    it("passes the superuser password to the providers only as a secret and keeps it secret in their outputs", () => {
      for (const type of [T.role, T.slot, T.check, T.database]) {
        for (const r of run.mocks.byType(type)) {
          expect(r.secretPaths, `${r.name}`).toContain("password");
          expect(r.additionalSecretOutputs, `${r.name}`).toContain("password");
        }
      }
      for (const r of run.mocks.byType(T.role)) {
        expect(r.secretPaths).toContain("passwordVerifier");
        expect(r.additionalSecretOutputs).toContain("passwordVerifier");
      }
    });

    it("puts the primary guard before every member, probing each member's endpoint", () => {
      const guard = run.mocks.byName("pulumi-nodejs:dynamic/postgres:PrimaryGuard", "primary-guard");
      expect(guard.inputs.expectedPrimary).toBe("primary");
      expect(guard.inputs.members.map((m: { name: string }) => m.name)).toEqual(memberNames(shape));
      expect(guard.secretPaths).toContain("password");
      for (const m of memberNames(shape)) expect(dependsOn(run, run.mocks.byName(T.container, m), guard), m).toBe(true);
    });

    it("waits for every container to be healthy (its ContainerHealth), not for the provider's own wait", () => {
      for (const c of run.mocks.byType(T.container)) {
        expect(c.inputs.wait, c.name).toBeUndefined();
        const health = run.mocks.byName(T.health, `${c.name}-healthy`);
        expect(health.inputs.containerName).toBe(c.inputs.name);
        expect(dependsOn(run, health, c), `${c.name}-healthy watches ${c.name}`).toBe(true);
        for (const live of run.mocks.byType(T.command).filter((l) => l.name.startsWith(`${c.name}-live-settings`) || (c.name === "pgbouncer" && l.name === "pgbouncer-userlist"))) {
          expect(dependsOn(run, live, health), `${live.name} is applied once ${c.name} is healthy`).toBe(true);
        }
      }
      // A member may take as long as its start period (a clone, a crash recovery), the same whatever its role.
      for (const m of memberNames(shape)) expect(run.mocks.byName(T.health, `${m}-healthy`).inputs.timeoutSeconds).toBe(1830);
    });

    it("creates roles and slots after the primary is healthy, replicas after their slot, the check after every replica", () => {
      const primary = run.mocks.byName(T.health, "primary-healthy");
      const roles = run.mocks.byType(T.role);
      expect(roles.map((r) => r.inputs.roleName).sort()).toEqual(["app", "pgstack_backup", "pgstack_stats", "replicator"]);
      for (const r of [...roles, ...run.mocks.byType(T.slot), ...run.mocks.byType(T.database)]) {
        expect(dependsOn(run, r, primary), `${r.name} waits for the primary`).toBe(true);
      }
      const replicator = run.mocks.byName(T.role, "replicator-role");
      const check = run.mocks.byName(T.check, "streaming-check");
      for (const m of memberNames(shape).slice(1)) {
        const replica = run.mocks.byName(T.container, m);
        const slot = run.mocks.byName(T.slot, `${m}-slot`);
        expect(slot.inputs.slotName).toBe(m.replace("-", "_"));
        expect(dependsOn(run, replica, slot), `${m} waits for its slot`).toBe(true);
        expect(dependsOn(run, replica, replicator), `${m} waits for the replicator role`).toBe(true);
        expect(dependsOn(run, check, replica), `the check waits for ${m}`).toBe(true);
        expect(dependsOn(run, slot, replica)).toBe(false);
      }
      expect(run.mocks.byType(T.slot)).toHaveLength(shape.replicas);
      expect(check.inputs.replicas.map((r: { name: string }) => r.name)).toEqual(memberNames(shape).slice(1));
      expect(dependsOn(run, run.mocks.byName(T.container, "pgbouncer"), run.mocks.byName(T.role, "app-role"))).toBe(true);
      expect(dependsOn(run, run.mocks.byName(T.container, "backup"), run.mocks.byName(T.role, "backup-role"))).toBe(true);
    });

    it("renders the members' live settings with their own slot and, when asked, synchronous commits", () => {
      const primaryLive = liveStdin(run, "primary-live-settings");
      const expectedSync = shape.syncReplicas > 0 ? new RegExp(`synchronous_standby_names = 'ANY ${shape.syncReplicas} \\(`) : /synchronous_standby_names = ''/;
      expect(primaryLive).toMatch(expectedSync);
      for (const m of memberNames(shape).slice(1)) {
        const live = liveStdin(run, `${m}-live-settings`);
        expect(live).toContain(`primary_slot_name = '${m.replace("-", "_")}'`);
        expect(live).toContain(`application_name=${m} `);
      }
    });

    it("declares every container in the forms the Docker provider stores, so a redeploy changes nothing", () => {
      for (const c of run.mocks.byType(T.container)) {
        const plan = translateContainer(c.inputs);
        const state = stateAfterCreate(c.inputs, inspectAsDockerReports(plan.name, plan.create));
        expect(containerDecision(state, c.inputs), c.name).toEqual({ kind: "same" });
      }
    });

    it("passes the settings that need a restart on each member's command, the same for every member", () => {
      const settings = parseStackConfig(stackConfig(shape.stack), shape.stack);
      const restart = splitByRestart(clusterPostgresqlSettings(settings)).restart;
      const commands = memberNames(shape).map((m) => run.mocks.byName(T.container, m).inputs.command as string[]);
      expect(commands[0][0]).toBe("postgres");
      expect(commands[0]).toContain(`shared_buffers=${restart.shared_buffers}`);
      expect(commands[0].filter((a) => a === "-c")).toHaveLength(Object.keys(restart).length);
      for (const c of commands) expect(c).toEqual(commands[0]);
    });

    it("gives members the same container whatever their role, but for what only their creation reads", () => {
      const creationOnly = ["name", "hostname", "envs", "ports", "volumes", "networksAdvanced", "labels"];
      const sameForAll = (m: string) => Object.fromEntries(Object.entries(run.mocks.byName(T.container, m).inputs).filter(([k]) => !creationOnly.includes(k)));
      for (const m of memberNames(shape).slice(1)) expect(sameForAll(m), m).toEqual(sameForAll("primary"));
      for (const m of memberNames(shape)) expect(run.mocks.byName(T.container, m).ignoreChanges, m).toEqual(["envs"]);
    });

    it("never re-creates roles or the database because the primary's container is replaced, and never drops them", () => {
      const kept = [...run.mocks.byType(T.role), ...run.mocks.byType(T.database)];
      expect(kept.length).toBe(5);
      for (const r of kept) {
        expect(r.deletedWith, r.name).toBe("");
        expect(r.retainOnDelete, r.name).toBe(true);
      }
    });

    it("tells each slot every member's endpoint, where its delete looks for the primary", () => {
      for (const slot of run.mocks.byType(T.slot)) {
        expect((slot.inputs.clusterMembers as { name: string }[]).map((m) => m.name), slot.name).toEqual(memberNames(shape));
      }
    });

    it("uploads every script a container runs into that container", () => {
      expectScriptsUploaded(run);
    });

    it("clones replicas from the primary and bootstraps the primary with initdb", () => {
      const env = (m: string) => run.mocks.byName(T.container, m).inputs.envs as string[];
      expect(env("primary")).toContain("PGSTACK_BOOTSTRAP=initdb");
      for (const m of memberNames(shape).slice(1)) {
        expect(env(m)).toEqual(expect.arrayContaining(["PGSTACK_BOOTSTRAP=clone", "PGSTACK_BOOTSTRAP_SOURCE=primary", `PGSTACK_SLOT=${m.replace("-", "_")}`]));
      }
    });
  });
}

/** Scripts a container runs must be uploaded into it: every `/pgstack/bin/<name>` a script or setting names. */
export function expectScriptsUploaded(run: ProgramRun): void {
  for (const c of run.mocks.byType(T.container)) {
    const uploads = c.inputs.uploads as { file: string; content: string }[];
    const uploaded = new Set(uploads.map((u) => u.file));
    const texts = [...uploads.map((u) => u.content ?? ""), ...(c.inputs.entrypoints as string[]), ...((c.inputs.healthcheck?.tests as string[]) ?? [])];
    // The live settings of a member (archive_command, restore_command) run its scripts too.
    const live = run.mocks.resources.find((r) => r.type === T.command && r.name === `${c.name}-live-settings`);
    if (live) texts.push(live.inputs.stdin as string);
    // Lines that tell a person to run something in another container (docker exec ...) do not count.
    for (const text of texts.map((t) => t.split("\n").filter((line) => !line.includes("docker exec")).join("\n"))) {
      for (const [, name] of text.matchAll(/\/pgstack\/bin\/([a-z0-9-]+\.sh)/g)) {
        expect(uploaded.has(`/pgstack/bin/${name}`), `${c.name} runs /pgstack/bin/${name} but does not upload it`).toBe(true);
      }
    }
  }
}
