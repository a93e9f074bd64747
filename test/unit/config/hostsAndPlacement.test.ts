import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../config/defaults";
import { dockerUrlProblem, isDnsName } from "../../../config/parseHosts";
import { parseStackConfig } from "../../../config/parseStackConfig";
import { hostOf, placedPart, placementWarnings, stackTopology } from "../../../config/placement";
import type { StackSettings } from "../../../config/settings";
import { clusterMembers, connectHost } from "../../../config/topology";
import { stackConfig } from "../../support/stackConfig";
import { parse, problems } from "../../support/shortConfig";

// pgstack:hosts and pgstack:placement: parsing, every rule a placement must keep, the topology
// each part gets, and the preview's warnings. One host must give exactly the values pgstack
// always used.

const three = {
  h1: { docker: "unix:///run/pgstack-test-hosts/h1/docker.sock", address: "10.231.0.11" },
  h2: { docker: "ssh://admin@db2.example.com", address: "db2.example.com" },
  h3: { docker: "tcp://10.231.0.13:2376", address: "10.231.0.13", certPath: "/etc/pgstack/h3" },
};
const spread = { primary: "h1", "replica-1": "h2", "replica-2": "h3", pgbouncer: "h2", backup: "h3" };

describe("one host: what pgstack always did", () => {
  it("defaults to one host, local, the environment's engine at bindAddress, and no placement", () => {
    const s = parse({});
    expect(s.hosts).toEqual([{ name: "local", address: "127.0.0.1" }]);
    expect(s.hosts[0].docker).toBeUndefined();
    expect(s.placement).toEqual({});
    expect(parse({ bindAddress: "0.0.0.0" }).hosts).toEqual([{ name: "local", address: "0.0.0.0" }]);
    expect(parse({ hosts: {}, placement: {} })).toEqual({ ...DEFAULTS, stack: "test" });
  });

  for (const stack of ["local", "staging", "production"]) {
    it(`gives ${stack}'s parts today's endpoints: connectHost(bindAddress) and the published ports, bound to bindAddress`, () => {
      const s = parseStackConfig(stackConfig(stack), stack);
      const t = stackTopology(s);
      expect(t.multiHost).toBe(false);
      expect(t.usedHosts.map((h) => h.name)).toEqual(["local"]);
      const today = connectHost(s.bindAddress);
      for (const m of clusterMembers(s)) {
        expect(placedPart(t, m.name)).toEqual({ part: m.name, host: s.hosts[0], published: { ip: s.bindAddress, port: m.hostPort }, endpoint: { host: today, port: m.hostPort } });
      }
      expect(placedPart(t, "pgbouncer").endpoint).toEqual({ host: today, port: s.ports.pgbouncer });
      expect(placedPart(t, "backup")).toEqual({ part: "backup", host: s.hosts[0] });
      expect(t.parts.map((p) => p.part)).toEqual([...clusterMembers(s).map((m) => m.name), "pgbouncer", "backup", ...(s.monitoring.enabled ? ["primary-exporter", "replica-1-exporter", "replica-2-exporter", "pgbouncer-exporter"] : [])]);
      expect(placementWarnings(s)).toEqual([]);
    });
  }

  it("keeps today's endpoints for 0.0.0.0 and ::", () => {
    expect(placedPart(stackTopology(parse({ bindAddress: "0.0.0.0" })), "primary").endpoint).toEqual({ host: "127.0.0.1", port: 55432 });
    expect(placedPart(stackTopology(parse({ bindAddress: "::" })), "pgbouncer")).toMatchObject({ published: { ip: "::", port: 56432 }, endpoint: { host: "::1", port: 56432 } });
  });

  it("takes one named remote host whose address agrees with bindAddress", () => {
    const s = parse({ hosts: { db: { docker: "ssh://db.example.com", address: "db.example.com" } }, bindAddress: "0.0.0.0", placement: { primary: "db" } });
    expect(placedPart(stackTopology(s), "primary")).toMatchObject({ host: { name: "db", docker: "ssh://db.example.com" }, published: { ip: "0.0.0.0" }, endpoint: { host: "db.example.com" } });
    expect(parse({ hosts: { here: { address: "127.0.0.1" } } }).hosts).toEqual([{ name: "here", address: "127.0.0.1" }]);
    expect(parse({ hosts: { here: { address: "localhost" } } }).hosts[0].address).toBe("localhost");
  });

  it("refuses one host whose address the ports published on bindAddress do not reach", () => {
    expect(problems({ hosts: { db: { docker: "ssh://db", address: "10.0.0.5" } } })).toEqual([
      "pgstack:hosts.db.address: a one-host stack publishes its ports on pgstack:bindAddress 127.0.0.1, which 10.0.0.5 does not reach: set bindAddress to 10.0.0.5 or 0.0.0.0, or give the host the address 127.0.0.1",
    ]);
  });

  it("still refuses the same port twice on one host, with today's messages", () => {
    expect(problems({ ports: { primary: 7000, replicaBase: 7001, pgbouncer: 7000 } })).toEqual([
      "pgstack:ports.pgbouncer: collides with pgstack:ports.primary; every published port must be distinct",
    ]);
  });
});

describe("several hosts", () => {
  const s = parse({ hosts: three, placement: spread, replicas: 2, syncReplicas: 1, backup: { hostPath: "/srv/backups" } });

  it("sorts the hosts by name, as the real CLI hands them over, and keeps each field", () => {
    const shuffled = parse({ hosts: { h3: three.h3, h1: three.h1, h2: three.h2 } });
    expect(shuffled.hosts.map((h) => h.name)).toEqual(["h1", "h2", "h3"]);
    expect(s.hosts).toEqual([
      { name: "h1", docker: "unix:///run/pgstack-test-hosts/h1/docker.sock", address: "10.231.0.11" },
      { name: "h2", docker: "ssh://admin@db2.example.com", address: "db2.example.com" },
      { name: "h3", docker: "tcp://10.231.0.13:2376", address: "10.231.0.13", certPath: "/etc/pgstack/h3" },
    ]);
    // Objects arrive as JSON text from the CLI.
    expect(parseStackConfig({ "pgstack:hosts": JSON.stringify(three), "pgstack:placement": JSON.stringify({ primary: "h2" }) }, "x").placement).toEqual({ primary: "h2" });
  });

  it("places each part on its host and publishes it on that host's address", () => {
    const t = stackTopology(s);
    expect(t.multiHost).toBe(true);
    expect(t.parts.map((p) => `${p.part}@${p.host.name} ${p.published ? `${p.published.ip}:${p.published.port}` : "-"} ${p.endpoint ? `${p.endpoint.host}:${p.endpoint.port}` : "-"}`)).toEqual([
      "primary@h1 10.231.0.11:55432 10.231.0.11:55432",
      "replica-1@h2 0.0.0.0:55433 db2.example.com:55433",
      "replica-2@h3 10.231.0.13:55434 10.231.0.13:55434",
      "pgbouncer@h2 0.0.0.0:56432 db2.example.com:56432",
      "backup@h3 - -",
    ]);
    expect(placementWarnings(s)).toEqual([]);
  });

  it("puts what placement does not name on the first host by name, exporters beside what they export", () => {
    // pgstack:monitoring is refused on several hosts for now (parseStackConfig); the topology still places the exporters.
    const s = parse({ hosts: three, placement: { "replica-1": "h3", pgbouncer: "h2" } });
    const t = stackTopology({ ...s, monitoring: { ...s.monitoring, enabled: true } });
    expect(t.parts.map((p) => `${p.part}@${p.host.name}`)).toEqual([
      "primary@h1", "replica-1@h3", "pgbouncer@h2", "backup@h1", "primary-exporter@h1", "replica-1-exporter@h3", "pgbouncer-exporter@h2",
    ]);
    expect(t.usedHosts.map((h) => h.name)).toEqual(["h1", "h2", "h3"]);
    expect(placedPart(t, "replica-1-exporter").endpoint).toEqual({ host: "10.231.0.13", port: DEFAULTS.monitoring.ports.postgresExporterBase + 1 });
  });

  it("publishes on every interface when bindAddress says so", () => {
    const t = stackTopology(parse({ hosts: three, bindAddress: "0.0.0.0" }));
    expect(placedPart(t, "primary")).toMatchObject({ published: { ip: "0.0.0.0", port: 55432 }, endpoint: { host: "10.231.0.11", port: 55432 } });
  });

  it("allows the same port on two hosts, never twice on one", () => {
    const samePorts = { ports: { primary: 5432, replicaBase: 5432, pgbouncer: 6432 }, hosts: three };
    expect(parse({ ...samePorts, placement: { "replica-1": "h2" } }).ports.replicaBase).toBe(5432);
    expect(problems({ ...samePorts, placement: { "replica-1": "h1" } })).toEqual([
      "pgstack:ports.replicaBase: publishes replica-1 on port 5432 of host h1, where primary (pgstack:ports.primary) already is: two parts on one host need two ports",
    ]);
    expect(problems({ hosts: three, ports: { primary: 7000, replicaBase: 7001, pgbouncer: 7000 }, placement: { pgbouncer: "h1" } })).toEqual([
      "pgstack:ports.pgbouncer: publishes pgbouncer on port 7000 of host h1, where primary (pgstack:ports.primary) already is: two parts on one host need two ports",
    ]);
  });

  it("warns in preview about a replica on the primary's host, naming the host to move it to", () => {
    const w = placementWarnings(parse({ hosts: three, replicas: 2, placement: { "replica-1": "h1", "replica-2": "h2" }, backup: { hostPath: "/srv/b" } }));
    expect(w).toEqual([
      "pgstack:placement.replica-1: replica-1 runs on h1, the host of the primary (primary); it protects nothing from the loss of that host: place it on another host (h2, h3)",
    ]);
    const unset = placementWarnings(parse({ hosts: three, replicas: 1, backup: { hostPath: "/srv/b" } }));
    expect(unset).toEqual([expect.stringContaining("pgstack:placement.replica-1: replica-1 runs on h1, the host of the primary (primary) (pgstack:placement does not name it: the first host)")]);
  });

  it("warns when replicas on the primary's host can acknowledge a synchronous commit alone", () => {
    const w = placementWarnings(parse({ hosts: three, replicas: 2, syncReplicas: 1, placement: { "replica-1": "h1", "replica-2": "h2" }, backup: { hostPath: "/srv/b" } }));
    expect(w).toHaveLength(2);
    expect(w[1]).toMatch(/^pgstack:syncReplicas 1: replica-1 on h1 can acknowledge a commit alone, so an acknowledged commit may exist only on h1/);
  });

  it("follows the primary role after a failover", () => {
    const after = parse({ hosts: three, replicas: 2, primaryMember: "replica-1", placement: { "replica-1": "h2", "replica-2": "h2" }, backup: { hostPath: "/srv/b" } });
    expect(hostOf(after, after.primaryMember).name).toBe("h2");
    expect(placementWarnings(after)).toEqual([expect.stringMatching(/^pgstack:placement.replica-2: replica-2 runs on h2, the host of the primary \(replica-1\)/)]);
  });

  it("warns that a backup volume exists once per host", () => {
    expect(placementWarnings(parse({ hosts: three, placement: { "replica-1": "h2" } }))).toEqual([
      expect.stringMatching(/^pgstack:backup.hostPath is empty: the <stack>-backups volume exists once per Docker host, so WAL archived by the primary on h1/),
    ]);
  });
});

describe("what a stack of hosts may not be (each reported on its key)", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["an unknown host in placement", { hosts: three, placement: { "replica-1": "h9" } }, ["pgstack:placement.replica-1: unknown host: pgstack:hosts has h1, h2, h3"]],
    ["a host placed on the default stack", { placement: { primary: "db1" } }, ["pgstack:placement.primary: unknown host: pgstack:hosts has local"]],
    ["a replica the stack does not have", { hosts: three, replicas: 1, placement: { "replica-2": "h2" } }, [
      "pgstack:placement.replica-2: this stack has 1 replica(s) (pgstack:replicas), so no replica-2; parts: primary, replica-1, pgbouncer, backup",
    ]],
    ["a part pgstack does not place", { hosts: three, placement: { exporter: "h2" } }, ["pgstack:placement.exporter: not a part pgstack places; parts: primary, replica-1, pgbouncer, backup"]],
    ["placement that is not an object", { placement: "h1" }, [expect.stringMatching(/^pgstack:placement: must be an object naming a host/) as unknown as string]],
    ["hosts as a list", { hosts: [three.h1] }, [expect.stringMatching(/^pgstack:hosts: must be an object of named Docker hosts/) as unknown as string]],
    ["an address that is neither an IP nor a DNS name", { hosts: { ...three, h2: { docker: "ssh://db2", address: "db 2!" } } }, [
      "pgstack:hosts.h2.address: must be the IP address or DNS name other hosts and the Pulumi runner reach this host at, such as 10.0.0.5 or db1.example.com",
    ]],
    ["a host without an address", { hosts: { ...three, h2: { docker: "ssh://db2" } } }, [expect.stringMatching(/^pgstack:hosts.h2.address: must be the IP address or DNS name/) as unknown as string]],
    ["a loopback address among several hosts", { hosts: { ...three, h2: { docker: "ssh://db2", address: "127.0.0.1" } } }, [
      "pgstack:hosts.h2.address: is this machine's loopback, which no other host reaches: in a stack of several hosts give each the address the others reach it at",
    ]],
    ["two hosts with one address", { hosts: { ...three, h2: { docker: "ssh://db2", address: "10.231.0.11" } } }, [
      "pgstack:hosts.h2.address: is host h1's address too: two hosts need two addresses (their published ports would collide)",
    ]],
    ["two hosts with one engine", { hosts: { ...three, h2: { docker: three.h1.docker, address: "10.231.0.12" } } }, [
      'pgstack:hosts.h2.docker: is the engine of host h1 too: one engine is one host, and a replica "on another host" would share its fate',
    ]],
    ["two hosts on the environment's engine", { hosts: { a: { address: "10.0.0.1" }, b: { address: "10.0.0.2" } } }, [expect.stringMatching(/^pgstack:hosts.b.docker: is the engine of host a too/) as unknown as string]],
    ["an engine URL of another kind", { hosts: { ...three, h2: { docker: "http://db2:2375", address: "db2" } } }, [expect.stringMatching(/^pgstack:hosts.h2.docker: must be a Docker engine URL: unix:\/\/\/var\/run\/docker.sock, tcp:/) as unknown as string]],
    ["tcp without TLS", { hosts: { ...three, h3: { docker: "tcp://10.231.0.13:2375", address: "10.231.0.13" } } }, [expect.stringMatching(/^pgstack:hosts.h3.certPath: a tcp:\/\/ engine needs TLS/) as unknown as string]],
    ["certPath on an ssh engine", { hosts: { ...three, h2: { ...three.h2, certPath: "/etc/certs" } } }, [expect.stringMatching(/^pgstack:hosts.h2.certPath: is the TLS client certificate of a tcp:\/\/ engine/) as unknown as string]],
    ["an unknown host field", { hosts: { ...three, h1: { ...three.h1, port: 2376 } } }, ["pgstack:hosts.h1.port: unknown field; allowed: docker, address, certPath"]],
    ["a bad host name", { hosts: { ...three, "Db_1": { docker: "ssh://x", address: "x.example" } } }, [expect.stringMatching(/^pgstack:hosts.Db_1: a host name is lower-case letters/) as unknown as string]],
    ["bindAddress set for several hosts", { hosts: three, bindAddress: "10.231.0.11" }, [expect.stringMatching(/^pgstack:bindAddress: a stack of several hosts publishes each host's ports on that host's own address/) as unknown as string]],
    ["the only replica on the primary's host with a synchronous replica", { hosts: three, syncReplicas: 1, placement: { primary: "h2", "replica-1": "h2" } }, [
      "pgstack:placement.replica-1: puts replica-1, the only replica, on h2, the primary's host, while pgstack:syncReplicas is 1: losing h2 would lose every copy of an acknowledged commit; place it on another host (h1, h3)",
    ]],
    ["an unplaced only replica with a synchronous replica", { hosts: three, syncReplicas: 1 }, [expect.stringContaining("pgstack:placement.replica-1: puts replica-1, the only replica, on h1, the primary's host (not placed: the first host)") as unknown as string]],
    ["every replica on the primary's host with a synchronous replica", { hosts: three, replicas: 2, syncReplicas: 1, placement: { primary: "h3", "replica-1": "h3", "replica-2": "h3" } }, [
      expect.stringContaining("pgstack:placement.replica-1: puts replica-1, like every replica, on h3") as unknown as string,
      expect.stringContaining("pgstack:placement.replica-2: puts replica-2, like every replica, on h3") as unknown as string,
    ]],
  ];
  for (const [what, config, expected] of cases) {
    it(`refuses ${what}`, () => expect(problems(config)).toEqual(expected));
  }

  it("lets a one-host stack keep synchronous replicas on its one host (production today)", () => {
    expect(parse({ replicas: 2, syncReplicas: 1 }).hosts).toHaveLength(1);
  });

  it("accepts a synchronous replica off the primary's host", () => {
    expect(parse({ hosts: three, syncReplicas: 1, placement: { "replica-1": "h2" } }).placement).toEqual({ "replica-1": "h2" });
  });
});

describe("engine URLs and addresses", () => {
  it("knows the three engine URLs pgstack's docker provider takes", () => {
    for (const ok of ["unix:///var/run/docker.sock", "tcp://10.0.0.5:2376", "tcp://db1.example.com:2376", "tcp://[fd00::5]:2376", "ssh://db1", "ssh://admin@db1.example.com:2222"]) {
      expect(dockerUrlProblem(ok), ok).toBeUndefined();
    }
    for (const bad of ["unix://relative.sock", "tcp://10.0.0.5", "tcp://user@10.0.0.5:2376", "ssh://user:pw@db1", "ssh://db1/path", "npipe:////./pipe/docker_engine", "db1:2376", "tcp://bad_host:2376"]) {
      expect(dockerUrlProblem(bad), bad).toBeDefined();
    }
  });

  it("tells DNS names from dotted numbers and junk", () => {
    expect(["db1", "db1.example.com", "db-1.example.com."].map(isDnsName)).toEqual([true, true, true]);
    expect(["10.0.0", "999.1.1.1", "-db", "db_1", "a..b", ""].map(isDnsName)).toEqual([false, false, false, false, false, false]);
  });

  it("keeps the settings type honest: a StackSettings spread from DEFAULTS has one host", () => {
    const s: StackSettings = { ...DEFAULTS, stack: "t" };
    expect(hostOf(s, "backup").name).toBe("local");
  });
});
