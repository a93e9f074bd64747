import { describe, expect, it } from "vitest";
import { renderFenceMarker, repointConninfo, repointPgbouncer } from "../../../config/failover";
import { conninfoTarget, fenceDecision, memberAt } from "../../../config/failoverHosts";
import { parseStackConfig } from "../../../config/parseStackConfig";
import { peerEndpoint } from "../../../config/placement";
import { renderPgbouncerLiveIni } from "../../../config/renderPgbouncer";
import { stackConfig } from "../../support/stackConfig";

// The multi-host decisions of `npm run failover`: whom a standby follows, whether the old primary
// can be fenced through its host's engine, and the rewrites that point the others at the new
// primary's host address and port.

const parse = (config: Record<string, unknown>) => parseStackConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`pgstack:${k}`, v])), "mh");
const three = {
  hosts: {
    h1: { docker: "unix:///run/pgstack-test-hosts/h1/docker.sock", address: "10.231.0.11" },
    h2: { docker: "unix:///run/pgstack-test-hosts/h2/docker.sock", address: "10.231.0.12" },
    h3: { docker: "unix:///run/pgstack-test-hosts/h3/docker.sock", address: "10.231.0.13" },
  },
  replicas: 2,
  ports: { primary: 41432, replicaBase: 41433, pgbouncer: 41532 },
  placement: { primary: "h1", "replica-1": "h2", "replica-2": "h3", pgbouncer: "h1", backup: "h3" },
  backup: { hostPath: "/srv/b" },
};

describe("whom a standby follows", () => {
  it("reads host and port from primary_conninfo", () => {
    expect(conninfoTarget("host=10.231.0.11 port=41432 user=replicator passfile=/x")).toEqual({ host: "10.231.0.11", port: 41432 });
    expect(conninfoTarget("user=replicator")).toEqual({});
  });

  it("maps a host address and port to the member published there, an alias to itself on one host", () => {
    const s = parse(three);
    expect(memberAt(s, "10.231.0.11", 41432)).toBe("primary");
    expect(memberAt(s, "10.231.0.13", 41434)).toBe("replica-2");
    expect(memberAt(s, "10.231.0.11", 41434)).toBeUndefined();
    expect(memberAt(s, "10.9.9.9", 41432)).toBeUndefined();
    const one = parseStackConfig(stackConfig("production"), "production");
    expect(memberAt(one, "replica-1", 5432)).toBe("replica-1");
  });
});

describe("fencing the old primary", () => {
  const old = { member: "primary", container: "mh-primary", host: "h1", docker: "unix:///run/pgstack-test-hosts/h1/docker.sock" };

  it("fences through the host's engine when it answers, with or without --force", () => {
    expect(fenceDecision({ ...old, engineAnswers: true }, false)).toEqual({ kind: "fence" });
    expect(fenceDecision({ ...old, engineAnswers: true }, true)).toEqual({ kind: "fence" });
  });

  it("refuses to promote without --force when the host does not answer, saying why and what --force risks", () => {
    const d = fenceDecision({ ...old, engineAnswers: false }, false);
    expect(d.kind).toBe("refuse");
    const message = (d as { message: string }).message;
    expect(message).toMatch(/^host h1 does not answer \(unix:\/\/\/run\/pgstack-test-hosts\/h1\/docker\.sock\), so primary cannot be fenced/);
    expect(message).toMatch(/two primaries/);
    expect(message).toMatch(/docker -H unix:\/\/\/run\/pgstack-test-hosts\/h1\/docker\.sock update --restart=no mh-primary/);
    expect(message).toMatch(/Nothing was promoted; if h1 is truly lost, run again with --force\.$/);
  });

  it("promotes unfenced with --force, and says the same risks first", () => {
    const d = fenceDecision({ ...old, engineAnswers: false }, true);
    expect(d.kind).toBe("promote-unfenced");
    expect((d as { warning: string }).warning).toMatch(/^--force: promoting without fencing\. host h1 does not answer .*two primaries/);
  });
});

describe("pointing the others at the new primary on another host", () => {
  const s = parse(three);

  it("rewrites primary_conninfo's host and port, and leaves the port alone on one host", () => {
    const conf = "primary_conninfo = 'host=10.231.0.11 port=41432 user=replicator application_name=replica-2'\nprimary_slot_name = 'replica_2'\n";
    expect(repointConninfo(conf, "10.231.0.12", 41433)).toBe("primary_conninfo = 'host=10.231.0.12 port=41433 user=replicator application_name=replica-2'\nprimary_slot_name = 'replica_2'\n");
    const local = "primary_conninfo = 'host=primary port=5432 user=replicator'\n";
    expect(repointConninfo(local, "replica-1")).toBe("primary_conninfo = 'host=replica-1 port=5432 user=replicator'\n");
  });

  it("rewrites PgBouncer's databases to the new primary's and the standbys' addresses and ports, as a fresh render would", () => {
    const before = renderPgbouncerLiveIni(s, { primaryHost: peerEndpoint(s, "primary"), standbyHosts: [peerEndpoint(s, "replica-1"), peerEndpoint(s, "replica-2")] });
    const after = repointPgbouncer(before, peerEndpoint(s, "replica-1"), [peerEndpoint(s, "replica-2")]);
    expect(after).toBe(renderPgbouncerLiveIni(s, { primaryHost: peerEndpoint(s, "replica-1"), standbyHosts: [peerEndpoint(s, "replica-2")] }));
    expect(after).toContain("app = host=10.231.0.12 port=41433 dbname=app");
    expect(after).toContain("app_ro = host=10.231.0.13 port=41434 dbname=app");
  });

  it("leaves the old primary a marker naming where the new primary is reached", () => {
    const marker = renderFenceMarker({ newPrimary: "replica-1", newPrimaryAt: { host: "10.231.0.12", port: 41433 }, fencedAt: "2026-12-02T00:00:00Z", reason: "failover to replica-1" });
    expect(marker).toBe("new_primary=replica-1\nnew_primary_host=10.231.0.12\nnew_primary_port=41433\nfenced_at=2026-12-02T00:00:00Z\nreason=failover to replica-1\n");
    expect(renderFenceMarker({ newPrimary: "replica-1", fencedAt: "t", reason: "r" })).toBe("new_primary=replica-1\nfenced_at=t\nreason=r\n");
  });
});
