import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../config/configError";
import { parseStackConfig } from "../../../config/parseStackConfig";
import { dockerEnvironment, engineOf, peerEndpoint, peerHbaAddresses, runnerEndpoint } from "../../../config/placement";
import { memberStandbySettings } from "../../../config/postgresqlSettings";
import { renderBackupEnv } from "../../../config/renderBackupEnv";
import { renderPgHba } from "../../../config/renderPgHba";
import { backendTarget, renderPgbouncerLiveIni } from "../../../config/renderPgbouncer";
import { clusterMembers, roles } from "../../../config/topology";
import { stackConfig } from "../../support/stackConfig";
import { parse } from "../../support/shortConfig";

// How the parts of a stack reach each other and their engines: on one host exactly as always
// (network aliases, port 5432, the environment's engine); on several, host addresses and
// published ports, and each host's own engine.

const three = {
  h1: { docker: "unix:///run/pgstack-test-hosts/h1/docker.sock", address: "10.231.0.11" },
  h2: { docker: "unix:///run/pgstack-test-hosts/h2/docker.sock", address: "10.231.0.12" },
  h3: { docker: "tcp://10.231.0.13:2376", address: "10.231.0.13", certPath: "/etc/pgstack/h3" },
};
const production = { hosts: three, replicas: 2, syncReplicas: 1, ports: { primary: 41432, replicaBase: 41433, pgbouncer: 41532 }, placement: { primary: "h1", "replica-1": "h2", "replica-2": "h3", pgbouncer: "h1", backup: "h3" }, backup: { hostPath: "/srv/pgstack-backups" } };

describe("one host", () => {
  for (const stack of ["local", "staging", "production"]) {
    it(`${stack}: members reach each other by alias on port 5432, the runner at connectHost(bindAddress), every command on the environment's engine`, () => {
      const s = parseStackConfig(stackConfig(stack), stack);
      for (const m of clusterMembers(s)) {
        expect(peerEndpoint(s, m.name)).toEqual({ host: m.name, port: 5432 });
        expect(runnerEndpoint(s, m.name)).toEqual({ host: s.bindAddress === "0.0.0.0" ? "127.0.0.1" : s.bindAddress, port: m.hostPort });
        expect(engineOf(s, m.name)).toEqual({});
      }
      expect(engineOf(s, "pgbouncer")).toEqual({});
      expect(dockerEnvironment(engineOf(s, "backup"))).toEqual({});
      expect(peerHbaAddresses(s)).toEqual([]);
    });
  }

  it("renders pg_hba, PgBouncer's targets, backup.env and primary_conninfo exactly as before", () => {
    const s = parseStackConfig(stackConfig("production"), "production");
    const { primary, standbys } = roles(s);
    expect(renderPgHba({ replicationRoles: ["replicator"], peerAddresses: peerHbaAddresses(s) })).toBe(renderPgHba({ replicationRoles: ["replicator"] }));
    expect(renderPgbouncerLiveIni(s, { primaryHost: peerEndpoint(s, primary.name), standbyHosts: standbys.map((m) => peerEndpoint(s, m.name)) })).toBe(
      renderPgbouncerLiveIni(s, { primaryHost: primary.name, standbyHosts: standbys.map((m) => m.name) }),
    );
    const members = clusterMembers(s);
    expect(renderBackupEnv(s, members.map((m) => peerEndpoint(s, m.name)))).toBe(renderBackupEnv(s, members.map((m) => m.name)));
    expect(memberStandbySettings(standbys[0], primary, peerEndpoint(s, primary.name))).toEqual(memberStandbySettings(standbys[0], primary));
  });
});

describe("three hosts", () => {
  const s = parse(production);

  it("members, PgBouncer and backups reach a member at its host's address and published port", () => {
    expect(peerEndpoint(s, "primary")).toEqual({ host: "10.231.0.11", port: 41432 });
    expect(peerEndpoint(s, "replica-1")).toEqual({ host: "10.231.0.12", port: 41433 });
    expect(peerEndpoint(s, "replica-2")).toEqual({ host: "10.231.0.13", port: 41434 });
    expect(runnerEndpoint(s, "replica-2")).toEqual({ host: "10.231.0.13", port: 41434 });
    expect(() => peerEndpoint(s, "replica-3")).toThrow(/replica-3 is not a member/);
  });

  it("sends each part's Docker commands to its host's engine, TLS certificates with a tcp:// engine", () => {
    expect(engineOf(s, "primary")).toEqual({ host: three.h1.docker });
    expect(engineOf(s, "pgbouncer")).toEqual({ host: three.h1.docker });
    expect(engineOf(s, "backup")).toEqual({ host: three.h3.docker, certPath: "/etc/pgstack/h3" });
    expect(dockerEnvironment(engineOf(s, "replica-1"))).toEqual({ DOCKER_HOST: three.h2.docker });
    expect(dockerEnvironment(engineOf(s, "replica-2"))).toEqual({ DOCKER_HOST: three.h3.docker, DOCKER_CERT_PATH: "/etc/pgstack/h3", DOCKER_TLS_VERIFY: "1" });
  });

  it("lets replication in from the hosts' addresses only, and the superuser with SCRAM from the runner", () => {
    expect(peerHbaAddresses(s)).toEqual(["10.231.0.11/32", "10.231.0.12/32", "10.231.0.13/32"]);
    const hba = renderPgHba({ replicationRoles: ["replicator", "pgstack_backup"], peerAddresses: peerHbaAddresses(s) });
    // Beyond the socket and loopback, only over TLS: the network between hosts sees no plaintext.
    const rows = hba.split("\n").filter((l) => /^host(no)?ssl\s/.test(l)).map((l) => l.split(/\s+/).join(" "));
    expect(rows).toEqual([
      "hostnossl replication all all reject",
      "hostnossl all all all reject",
      "hostssl replication replicator samenet scram-sha-256",
      "hostssl replication pgstack_backup samenet scram-sha-256",
      "hostssl replication replicator 10.231.0.11/32 scram-sha-256",
      "hostssl replication pgstack_backup 10.231.0.11/32 scram-sha-256",
      "hostssl replication replicator 10.231.0.12/32 scram-sha-256",
      "hostssl replication pgstack_backup 10.231.0.12/32 scram-sha-256",
      "hostssl replication replicator 10.231.0.13/32 scram-sha-256",
      "hostssl replication pgstack_backup 10.231.0.13/32 scram-sha-256",
      "hostssl replication all all reject",
      "hostssl all postgres samenet scram-sha-256",
      "hostssl all postgres all scram-sha-256",
      "hostssl all all all scram-sha-256",
    ]);
    expect(hba.split("\n").filter((l) => /^host\s/.test(l)).every((l) => /\s(127\.0\.0\.1\/32|::1\/128)\s/.test(l))).toBe(true);
    expect(hba).not.toMatch(/trust/);
    const dns = parse({ hosts: { a: { docker: "ssh://db1.example.com", address: "db1.example.com" }, b: { docker: "ssh://db2", address: "fd00::2" } }, replicas: 1, placement: { "replica-1": "b" } });
    expect(peerHbaAddresses(dns)).toEqual(["db1.example.com", "fd00::2/128"]);
  });

  it("points PgBouncer, backups and the standbys at host addresses and each member's own port", () => {
    const { primary, standbys } = roles(s);
    const live = renderPgbouncerLiveIni(s, { primaryHost: peerEndpoint(s, primary.name), standbyHosts: standbys.map((m) => peerEndpoint(s, m.name)) });
    expect(live).toContain("app = host=10.231.0.11 port=41432 dbname=app");
    expect(live).toContain("app_ro = host=10.231.0.12,10.231.0.13 port=41433,41434 dbname=app");
    const env = renderBackupEnv(s, clusterMembers(s).map((m) => peerEndpoint(s, m.name)));
    expect(env).toContain("PGHOST='10.231.0.11,10.231.0.12,10.231.0.13'");
    expect(env).toContain("PGPORT='41432,41433,41434'");
    expect(memberStandbySettings(standbys[1], primary, peerEndpoint(s, primary.name)).primary_conninfo).toMatch(/^host=10\.231\.0\.11 port=41432 user=replicator .*application_name=replica-2 /);
    expect(backendTarget([{ host: "a", port: 1 }, { host: "b", port: 1 }])).toBe("host=a,b port=1");
  });

  it("refuses what is built for one host only: monitoring and a rebuild from backups, naming the key", () => {
    const refused = (config: Record<string, unknown>) => {
      try {
        parse(config);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.map((p) => p.key);
      }
      return [];
    };
    expect(refused({ ...production, monitoring: { enabled: true } })).toEqual(["pgstack:monitoring.enabled"]);
    expect(refused({ ...production, restore: { source: "/srv/pgstack-backups" } })).toEqual(["pgstack:restore"]);
    expect(refused(production)).toEqual([]);
  });
});
