import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PostgresRoleProvider } from "../../providers/PostgresRole";
import {
  StreamingCheckProvider,
  verifyStreaming,
  type StreamingCheckInputs,
  type StreamingCheckOutputs,
} from "../../providers/StreamingCheck";
import { docker, freePort } from "../support/docker";
import { query, REPLICATOR, startCluster, verifierFor, waitForPostgres, type Cluster, type StandbyNode } from "../support/postgresFixture";

// StreamingCheck against a primary with two streaming standbys (replica-1, replica-2), including
// the ways a replica can fail to stream. The destructive cases run last.

let cluster: Cluster;
const provider = new StreamingCheckProvider();

beforeAll(async () => {
  cluster = await startCluster({ image: inject("images").postgres, standbys: 2 });
});

afterAll(async () => {
  await cluster?.teardown();
});

function expected(standby: StandbyNode) {
  return { name: standby.applicationName, host: standby.host, port: standby.port, slotName: standby.slotName };
}

function checkInputs(extra: Partial<StreamingCheckInputs> = {}): StreamingCheckInputs {
  return { ...cluster.admin, replicas: cluster.standbys.map(expected), timeoutSeconds: 60, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, "expected a failure").toBeInstanceOf(Error);
  expect(error!.message).not.toContain(cluster.superuserPassword);
  expect(error!.message).not.toContain(cluster.replicatorPassword);
  return error!;
}

async function markerTokens(conn = cluster.admin): Promise<number> {
  const rows = await query<{ n: number }>(conn, "SELECT count(*)::int AS n FROM pgstack.streaming_marker");
  return rows[0].n;
}

describe("StreamingCheck on a healthy cluster", () => {
  let id: string;
  let outs: StreamingCheckOutputs;

  it("verifies both replicas stream and replay a marker written on the primary", async () => {
    const result = await provider.create(checkInputs());
    id = result.id;
    outs = result.outs!;
    expect(outs.replicas).toHaveLength(2);
    for (const [i, report] of outs.replicas.entries()) {
      expect(report).toMatchObject({ ...expected(cluster.standbys[i]), state: "streaming", syncState: "async", markerReplayed: true });
      expect(report.lagBytes).toBeGreaterThanOrEqual(0);
      expect(report.lagBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    }
    expect(Date.now() - Date.parse(outs.verifiedAt)).toBeLessThan(60_000);
    // The marker is on the primary and, through replication, on each replica's own endpoint.
    expect(await markerTokens()).toBeGreaterThanOrEqual(1);
    for (const standby of cluster.standbys) expect(await markerTokens(cluster.adminOf(standby))).toBeGreaterThanOrEqual(1);
  });

  it("read (refresh) re-verifies with a fresh marker", async () => {
    const before = await markerTokens();
    const refreshed = await provider.read(id, outs);
    expect(refreshed.id).toBe(id);
    expect(refreshed.props!.replicas.map((r) => [r.name, r.state, r.markerReplayed])).toEqual([
      ["replica-1", "streaming", true],
      ["replica-2", "streaming", true],
    ]);
    expect(Date.parse(refreshed.props!.verifiedAt)).toBeGreaterThan(Date.parse(outs.verifiedAt));
    expect(await markerTokens()).toBe(before + 1);
  });

  it("diff is quiet for the same inputs and asks for an update when the trigger changes; update re-runs", async () => {
    expect(await provider.diff(id, outs, checkInputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    const bumped = checkInputs({ trigger: "verify-again" });
    expect(await provider.diff(id, outs, bumped)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await provider.update(id, outs, bumped);
    expect(updated.outs).toMatchObject({ trigger: "verify-again" });
    expect(Date.parse(updated.outs!.verifiedAt)).toBeGreaterThan(Date.parse(outs.verifiedAt));
  });

  it("with no expected replicas still proves the primary reachable and writable", async () => {
    const before = await markerTokens();
    const result = await verifyStreaming(checkInputs({ replicas: [] }));
    expect(result.replicas).toEqual([]);
    expect(await markerTokens()).toBe(before + 1);
  });

  it("refuses to treat a standby as the primary", async () => {
    const error = await failure(verifyStreaming({ ...checkInputs(), ...cluster.adminOf(cluster.standbys[0]) }));
    expect(error.message).toContain("is in recovery (a standby), not the primary");
  });
});

describe("StreamingCheck failures", () => {
  it("names a replica that never connects, within the timeout, and says it is absent and why", async () => {
    const ghost = { name: "replica-3", host: "127.0.0.1", port: await freePort(), slotName: "replica_3" };
    const started = Date.now();
    const error = await failure(provider.create(checkInputs({ replicas: [...cluster.standbys.map(expected), ghost], timeoutSeconds: 4 })));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4000);
    expect(elapsed).toBeLessThan(4000 + 8000);
    const lines = error.message.split("\n");
    expect(lines[0]).toContain("1 of 3 expected replicas not verified");
    expect(lines[0]).toContain("(verified: replica-1, replica-2)");
    const line = lines.find((l) => l.includes("replica-3:"));
    expect(line).toContain("absent from pg_stat_replication on the primary");
    expect(line).toContain('slot "replica_3" does not exist on the primary');
    expect(line).toContain(`its endpoint 127.0.0.1:${ghost.port} refuses connections`);
    expect(lines.filter((l) => l.startsWith("  - "))).toHaveLength(1);
    expect(error.message).toContain("What to check:");
  });

  it("explains a replica that cannot authenticate to the primary: in recovery, no WAL receiver", async () => {
    // Rotate the replicator's password on the primary behind replica-2's back and restart it.
    const roles = new PostgresRoleProvider();
    const replicator = await roles.create({ ...cluster.admin, roleName: REPLICATOR, login: true, replication: true });
    await roles.update(replicator.id, replicator.outs!, { ...cluster.admin, roleName: REPLICATOR, login: true, replication: true, passwordVerifier: verifierFor("rotated-elsewhere") });
    const replica2 = cluster.standbys[1];
    await docker(["restart", "-t", "10", replica2.container]);
    await waitForPostgres(cluster.adminOf(replica2), { inRecovery: true });

    const error = await failure(provider.create(checkInputs({ timeoutSeconds: 4 })));
    const line = error.message.split("\n").find((l) => l.includes("replica-2:"));
    expect(line).toContain("absent from pg_stat_replication on the primary");
    expect(line).toContain('slot "replica_2" exists but is inactive');
    expect(line).toContain("in recovery but has no WAL receiver");
    expect(line).toContain("replicator password");
    expect(error.message).toContain("(verified: replica-1)");

    // Put the password back: the standby's WAL receiver retries and streams again.
    await roles.update(replicator.id, replicator.outs!, {
      ...cluster.admin,
      roleName: REPLICATOR,
      login: true,
      replication: true,
      passwordVerifier: verifierFor(cluster.replicatorPassword),
    });
    const healed = await provider.create(checkInputs({ timeoutSeconds: 60 }));
    expect(healed.outs!.replicas.map((r) => r.state)).toEqual(["streaming", "streaming"]);
  });

  it("flags a replica that answers outside recovery as a second primary", async () => {
    const replica2 = cluster.standbys[1];
    const promoted = await cluster.psql(replica2, "SELECT pg_promote(true, 30)");
    expect(promoted.code, promoted.stderr).toBe(0);
    await waitForPostgres(cluster.adminOf(replica2), { inRecovery: false });

    const error = await failure(provider.create(checkInputs({ timeoutSeconds: 4 })));
    const line = error.message.split("\n").find((l) => l.includes("replica-2:"));
    expect(line).toContain("absent from pg_stat_replication on the primary");
    expect(line).toContain("NOT in recovery: it is a second primary");
  });
});
