import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { runProgram, type ProgramRun } from "../support/runProgram";
import { T } from "./clusterExpectations";

// A stack over three Docker hosts, under engine mocks: one explicit docker provider per host, every
// docker resource through its host's provider, and everything that reaches a member (commands,
// checks, PgBouncer, backups, the standbys) at that member's host address and published port.

const hosts = {
  h1: { docker: "unix:///run/pgstack-test-hosts/h1/docker.sock", address: "10.231.0.11" },
  h2: { docker: "unix:///run/pgstack-test-hosts/h2/docker.sock", address: "10.231.0.12" },
  h3: { docker: "ssh://admin@10.231.0.13", address: "10.231.0.13" },
};
const placement = { primary: "h1", "replica-1": "h2", "replica-2": "h3", "replica-3": "h1", pgbouncer: "h1", backup: "h3" } as const;
const hostOfPart: Record<string, keyof typeof hosts> = { ...placement };
const PROVIDER = "pulumi:providers:docker";

let run: ProgramRun;
const warnings: string[] = [];

beforeAll(async () => {
  vi.spyOn(pulumi.log, "warn").mockImplementation(async (message: string) => {
    warnings.push(message);
  });
  run = await runProgram("production", {
    "pgstack:hosts": hosts,
    "pgstack:placement": placement,
    "pgstack:replicas": 3,
    "pgstack:ports": { primary: 41432, replicaBase: 41433, pgbouncer: 41532 },
    "pgstack:monitoring": { enabled: false },
    "pgstack:backup": { hostPath: "/srv/pgstack-backups" },
  });
}, 120_000);

const providerUrn = (host: string) => run.mocks.byName(PROVIDER, `docker-${host}`).urn;
const onProvider = (r: { provider: string }, host: string) => r.provider.startsWith(`${providerUrn(host)}::`);

describe("a stack over three Docker hosts", () => {
  it("makes one explicit docker provider per host, with that host's engine", () => {
    const providers = run.mocks.byType(PROVIDER);
    expect(providers.map((p) => p.name).sort()).toEqual(["docker-h1", "docker-h2", "docker-h3"]);
    for (const [name, h] of Object.entries(hosts)) expect(run.mocks.byName(PROVIDER, `docker-${name}`).inputs.host).toBe(h.docker);
  });

  it("creates every container, data volume and network through its host's provider, nothing through the default one", () => {
    for (const type of [T.container, T.volume, T.network, T.image]) {
      for (const r of run.mocks.byType(type)) expect(r.provider, `${type} ${r.name}`).not.toBe("");
    }
    for (const [part, host] of Object.entries(hostOfPart)) {
      expect(onProvider(run.mocks.byName(T.container, part), host), `${part} on ${host}`).toBe(true);
    }
    for (const m of ["primary", "replica-1", "replica-2", "replica-3"]) {
      expect(onProvider(run.mocks.byName(T.volume, `${m}-data`), hostOfPart[m]), `${m}-data`).toBe(true);
    }
    const networks = run.mocks.byType(T.network);
    expect(networks.map((n) => n.name).sort()).toEqual(["network-h1", "network-h2", "network-h3"]);
    for (const n of networks) {
      expect(n.inputs.name).toBe("pgstack-production");
      expect(onProvider(n, n.name.replace("network-", ""))).toBe(true);
    }
    // The images each host needs: PostgreSQL where a member or the backup runs, PgBouncer on h1 only.
    expect(run.mocks.byType(T.image).map((i) => i.name).sort()).toEqual(["pgbouncer-image-h1", "postgres-image-h1", "postgres-image-h2", "postgres-image-h3"]);
  });

  it("publishes each part's port on its host's address", () => {
    const ports: Record<string, number> = { primary: 41432, "replica-1": 41433, "replica-2": 41434, "replica-3": 41435, pgbouncer: 41532 };
    for (const [part, port] of Object.entries(ports)) {
      expect(run.mocks.byName(T.container, part).inputs.ports).toEqual([{ internal: part === "pgbouncer" ? 6432 : 5432, external: port, ip: hosts[hostOfPart[part]].address, protocol: "tcp" }]);
    }
  });

  it("clones each replica from the primary's host address and port, and streams from there", () => {
    for (const m of ["replica-1", "replica-2", "replica-3"]) {
      const envs = run.mocks.byName(T.container, m).inputs.envs as string[];
      expect(envs).toContain("PGSTACK_BOOTSTRAP_SOURCE=10.231.0.11");
      expect(envs).toContain("PGSTACK_BOOTSTRAP_SOURCE_PORT=41432");
      const live = run.mocks.byName(T.command, `${m}-live-settings`).inputs.stdin as string;
      expect(live).toMatch(/^primary_conninfo = 'host=10\.231\.0\.11 port=41432 user=replicator /m);
    }
    const hba = (run.mocks.byName(T.container, "primary").inputs.uploads as { file: string; content: string }[]).find((u) => u.file.endsWith("pg_hba.conf"))!.content;
    for (const a of ["10.231.0.11/32", "10.231.0.12/32", "10.231.0.13/32"]) expect(hba).toMatch(new RegExp(`^hostssl\\s+replication\\s+replicator\\s+${a.replace(/\./g, "\\.")}\\s+scram-sha-256$`, "m"));
  });

  it("runs each docker exec command and each health check against its member's engine, with no secret in the environment", () => {
    for (const [part, host] of Object.entries(hostOfPart)) {
      const health = run.mocks.byName(T.health, `${part}-healthy`);
      expect(health.inputs.dockerHost, `${part}-healthy`).toBe(hosts[host].docker);
    }
    for (const name of ["primary-live-settings", "replica-2-live-settings", "pgbouncer-live-settings", "pgbouncer-userlist", "primary-tls-files", "replica-3-tls-files", "pgbouncer-tls-files"]) {
      const c = run.mocks.byName(T.command, name);
      const part = name.replace(/-(live-settings|userlist|tls-files)$/, "");
      expect(c.inputs.environment, name).toEqual({ DOCKER_HOST: hosts[hostOfPart[part]].docker });
      expect(c.secretPaths.some((p) => p.startsWith("environment")), `${name} environment is not secret`).toBe(false);
    }
    const catalog = run.mocks.byType("pulumi-nodejs:dynamic/postgres:BackupCatalog")[0];
    expect(catalog.inputs.dockerHost).toBe(hosts.h3.docker);
  });

  it("certifies each member and PgBouncer for the address of its own host, where the others verify it", () => {
    for (const [part, host] of Object.entries(hostOfPart)) {
      if (part === "backup") continue;
      const request = run.mocks.byName(T.certRequest, `${part}-tls-request`).inputs;
      expect(request.ipAddresses, part).toEqual([hosts[host].address]);
      expect(request.dnsNames, part).toContain(part);
    }
  });

  it("reaches the members from the runner, PgBouncer and backups at host addresses and ports", () => {
    const check = run.mocks.byType(T.check)[0].inputs;
    expect({ host: check.host, port: check.port }).toEqual({ host: "10.231.0.11", port: 41432 });
    expect(check.replicas.map((r: { name: string; host: string; port: number }) => `${r.name}@${r.host}:${r.port}`)).toEqual([
      "replica-1@10.231.0.12:41433",
      "replica-2@10.231.0.13:41434",
      "replica-3@10.231.0.11:41435",
    ]);
    for (const r of run.mocks.byType(T.role)) expect({ host: r.inputs.host, port: r.inputs.port }).toEqual({ host: "10.231.0.11", port: 41432 });
    const ini = run.mocks.byName(T.command, "pgbouncer-live-settings").inputs.stdin as string;
    expect(ini).toContain("app = host=10.231.0.11 port=41432 dbname=app");
    expect(ini).toContain("app_ro = host=10.231.0.12,10.231.0.13,10.231.0.11 port=41433,41434,41435 dbname=app");
    const env = (run.mocks.byName(T.container, "backup").inputs.uploads as { file: string; content: string }[]).find((u) => u.file.endsWith("backup.env"))!.content;
    expect(env).toContain("PGHOST='10.231.0.11,10.231.0.12,10.231.0.13,10.231.0.11'");
    expect(env).toContain("PGPORT='41432,41433,41434,41435'");
  });

  it("exports the endpoints at the host addresses", () => {
    expect(run.outputs.primaryEndpoint).toBe("10.231.0.11:41432");
    expect(run.outputs.replicaEndpoints).toEqual(["10.231.0.12:41433", "10.231.0.13:41434", "10.231.0.11:41435"]);
    expect(run.outputs.pgbouncerEndpoint).toBe("10.231.0.11:41532");
  });

  it("warns that a replica on the primary's host protects nothing from losing that host", () => {
    expect(warnings).toEqual([
      expect.stringMatching(/^pgstack:placement\.replica-3: replica-3 runs on h1, the host of the primary \(primary\)/),
      // production.yaml: syncReplicas 1, which replica-3 alone can satisfy from the primary's host.
      expect.stringMatching(/^pgstack:syncReplicas 1: replica-3 on h1 can acknowledge a commit alone/),
    ]);
  });
});
