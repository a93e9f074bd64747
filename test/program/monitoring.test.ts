import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../config/defaults";
import { plainStrings } from "../support/recordingMocks";
import { runProgram, type ProgramRun } from "../support/runProgram";
import { generatedPasswords, T } from "./clusterExpectations";

// pgstack:monitoring on Pulumi.production.yaml (where it is on), under engine mocks.

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("production");
});

const exporters = ["primary-exporter", "replica-1-exporter", "replica-2-exporter", "pgbouncer-exporter"];

describe("monitoring on the production stack", () => {
  it("runs a postgres_exporter per member and a pgbouncer_exporter, each on its own host port of the port plan", () => {
    const published = Object.fromEntries(exporters.map((e) => [e, run.mocks.byName(T.container, e).inputs.ports]));
    expect(published).toEqual({
      "primary-exporter": [{ internal: 9187, external: 25187, ip: "127.0.0.1", protocol: "tcp" }],
      "replica-1-exporter": [{ internal: 9187, external: 25188, ip: "127.0.0.1", protocol: "tcp" }],
      "replica-2-exporter": [{ internal: 9187, external: 25189, ip: "127.0.0.1", protocol: "tcp" }],
      "pgbouncer-exporter": [{ internal: 9127, external: 26127, ip: "127.0.0.1", protocol: "tcp" }],
    });
    for (const e of exporters.slice(0, 3)) {
      const member = e.replace(/-exporter$/, "");
      expect(run.mocks.byName(T.container, e).inputs.envs).toEqual([
        `DATA_SOURCE_NAME=postgresql://pgstack_stats@${member}:5432/postgres?sslmode=verify-full&sslrootcert=/pgstack/tls/ca.crt&connect_timeout=5&application_name=pgstack-exporter`,
      ]);
    }
    expect(run.mocks.byName(T.container, "pgbouncer-exporter").inputs.command).toContain(
      "--pgBouncer.connectionString=postgres://pgstack_stats@pgbouncer:6432/pgbouncer?sslmode=verify-full&sslrootcert=/pgstack/tls/ca.crt&connect_timeout=5",
    );
  });

  it("uses the pinned public exporter images by default", () => {
    const images = run.mocks.byType(T.image).map((i) => i.inputs.name);
    expect(images).toContain(DEFAULTS.images.postgresExporter);
    expect(images).toContain(DEFAULTS.images.pgbouncerExporter);
  });

  it("keeps the stats password out of environment variables and command lines: only in a secret upload", () => {
    expect(generatedPasswords(run)).toHaveLength(6);
    for (const e of exporters) {
      const c = run.mocks.byName(T.container, e);
      for (const text of [...c.inputs.envs ?? [], ...c.inputs.command, ...c.inputs.entrypoints]) {
        for (const pw of generatedPasswords(run)) expect(text.includes(pw), `${e}: ${text}`).toBe(false);
      }
      for (const text of plainStrings(c.rawInputs)) for (const pw of generatedPasswords(run)) expect(text.includes(pw)).toBe(false);
      const uploads = c.inputs.uploads as { file: string; content: string; permissions?: string }[];
      const pgpass = uploads.find((u) => u.file === "/pgstack/secrets/pgpass");
      expect(pgpass?.permissions).toBe("0600");
      expect(pgpass?.content).toMatch(/^\*:\*:\*:pgstack_stats:Pw[0-9a-f]+\n$/);
      expect(c.secretPaths.map((p) => uploads[Number(/^uploads\[(\d+)\]/.exec(p)?.[1])].file)).toEqual(["/pgstack/secrets/pgpass"]);
    }
  });

  it("declares the containers in the docker provider's canonical forms, with fixed names replaced delete-first", () => {
    for (const e of exporters) {
      const c = run.mocks.byName(T.container, e);
      expect(c.inputs.name).toBe(`production-${e}`);
      expect(c.inputs.memorySwap).toBe(c.inputs.memory);
      expect(c.inputs.cpus).toBe("0.5");
      expect(c.inputs.healthcheck).toMatchObject({ interval: "1s", timeout: "3s", startPeriod: "30s", retries: 15 });
      expect(c.inputs.labels).toEqual([
        { label: "pgstack.stack", value: "production" },
        { label: "pgstack.part", value: e },
      ]);
      expect(c.deleteBeforeReplace).toBe(true);
    }
  });

  it("writes the alert rules and the scrape config to files and exports where", () => {
    const rules = run.mocks.byName(T.command, "alert-rules");
    expect(rules.inputs.environment.PGSTACK_FILE).toMatch(/\/\.pgstack\/production\/alert-rules\.yml$/);
    expect(rules.inputs.stdin).toContain("alert: PgstackReplicaNotStreaming");
    expect(rules.inputs.delete).toContain("rm -f");
    const scrape = run.mocks.byName(T.command, "scrape-config");
    expect(scrape.inputs.environment.PGSTACK_FILE).toMatch(/\/\.pgstack\/production\/alert-rules\.scrape\.yml$/);
    expect(run.outputs.monitoring).toEqual({
      alertRulesFile: rules.inputs.environment.PGSTACK_FILE,
      scrapeConfigFile: scrape.inputs.environment.PGSTACK_FILE,
      targets: { primary: "127.0.0.1:25187", "replica-1": "127.0.0.1:25188", "replica-2": "127.0.0.1:25189", pgbouncer: "127.0.0.1:26127" },
    });
  });

  it("creates the backup metrics function on the primary, through its socket as postgres", () => {
    const fn = run.mocks.byName(T.command, "backup-metrics-function");
    expect(fn.inputs.create).toBe("docker exec -i -u postgres production-primary psql -h /var/run/postgresql -d postgres -XAtq -v ON_ERROR_STOP=1");
    expect(fn.inputs.stdin).toContain("SECURITY DEFINER");
    expect(fn.inputs.stdin).toContain("GRANT EXECUTE ON FUNCTION pgstack.backup_metrics() TO pg_monitor");
  });
});
