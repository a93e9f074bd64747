import { describe, expect, it } from "vitest";
import { UNKNOWN_PLACEHOLDER } from "../../../providers/preview";
import { checkStreamingInputs, diffStreamingCheck, expectedReplicas } from "../../../providers/StreamingCheck";
import {
  describeProbe,
  describeSlot,
  describeWalSender,
  isHealthy,
  pickWalSender,
  timeoutReport,
  type WalSenderRow,
} from "../../../providers/streamingDiagnosis";

const connection = { host: "127.0.0.1", port: 5432, user: "postgres", password: "pw" };
const replicas = [
  { name: "replica-1", host: "127.0.0.1", port: 5433, slotName: "replica_1" },
  { name: "replica-2", host: "127.0.0.1", port: 5434, slotName: "replica_2" },
];

function sender(overrides: Partial<WalSenderRow>): WalSenderRow {
  return {
    pid: 100,
    applicationName: "replica-1",
    clientAddr: "172.18.0.3",
    state: "streaming",
    syncState: "async",
    lagBytes: 0,
    replayDelaySeconds: null,
    ...overrides,
  };
}

describe("checkStreamingInputs", () => {
  it("accepts replicas, thresholds and a trigger", () => {
    expect(checkStreamingInputs({ replicas, maxLagBytes: 1024, timeoutSeconds: 30, trigger: "x" })).toEqual([]);
    expect(checkStreamingInputs({ replicas: [] })).toEqual([]);
  });

  it("names the bad replica field, duplicate names and bad thresholds", () => {
    const failures = checkStreamingInputs({
      replicas: [replicas[0], { ...replicas[0], port: 0, slotName: "Bad-Slot" }],
      maxLagBytes: -1,
      timeoutSeconds: 0,
    });
    const reasons = failures.map((f) => f.reason).join("\n");
    expect(reasons).toContain('replicas[1].name "replica-1" appears twice');
    expect(reasons).toContain("replicas[1].port must be an integer");
    expect(reasons).toContain('replicas[1]: slotName "Bad-Slot"');
    expect(failures.map((f) => f.property)).toContain("maxLagBytes");
    expect(failures.map((f) => f.property)).toContain("timeoutSeconds");
  });

  it("does not judge preview placeholders", () => {
    expect(checkStreamingInputs({ replicas: UNKNOWN_PLACEHOLDER })).toEqual([]);
    expect(checkStreamingInputs({ replicas: [{ name: "replica-1", host: UNKNOWN_PLACEHOLDER, port: UNKNOWN_PLACEHOLDER, slotName: "replica_1" }] })).toEqual([]);
  });
});

describe("diffStreamingCheck", () => {
  const reported = replicas.map((r) => ({ ...r, state: "streaming", syncState: "async", lagBytes: 0, replayDelaySeconds: null, markerReplayed: true }));
  const olds = { ...connection, replicas: reported, verifiedAt: "2024-01-01T00:00:00.000Z" };

  it("sees no change when only the reports differ from the expected replicas", () => {
    expect(diffStreamingCheck(olds, { ...connection, replicas })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(diffStreamingCheck(olds, { ...connection, replicas, maxLagBytes: 16 * 1024 * 1024, timeoutSeconds: 120 }).changes).toBe(false);
  });

  it("re-runs (update, never replace) on new replicas, endpoints, thresholds or trigger", () => {
    for (const change of [
      { replicas: [replicas[0]] },
      { replicas: [replicas[0], { ...replicas[1], port: 6000 }] },
      { port: 6543 },
      { maxLagBytes: 1 },
      { timeoutSeconds: 5 },
      { trigger: "again" },
      { replicas: UNKNOWN_PLACEHOLDER },
    ]) {
      expect(diffStreamingCheck(olds, { ...connection, replicas, ...change }), JSON.stringify(change)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("projects reports back to the expected fields", () => {
    expect(expectedReplicas(reported)).toEqual(replicas);
  });
});

describe("walsender rows", () => {
  it("prefers the streaming row of a name, then the least behind", () => {
    const rows = [sender({ pid: 1, state: "catchup", lagBytes: 5 }), sender({ pid: 2, lagBytes: 900 }), sender({ pid: 3, lagBytes: 10 })];
    expect(pickWalSender(rows, "replica-1")?.pid).toBe(3);
    expect(pickWalSender(rows, "replica-9")).toBeUndefined();
  });

  it("counts as healthy only when streaming within the lag allowed", () => {
    expect(isHealthy(sender({}), 100)).toBe(true);
    expect(isHealthy(sender({ lagBytes: 101 }), 100)).toBe(false);
    expect(isHealthy(sender({ lagBytes: null }), 100)).toBe(false);
    expect(isHealthy(sender({ state: "catchup" }), 100)).toBe(false);
    expect(isHealthy(undefined, 100)).toBe(false);
  });

  it("says what a listed but unhealthy replica is doing", () => {
    expect(describeWalSender(sender({ state: "catchup", lagBytes: 4096 }), 100)).toBe(
      "state catchup (it is catching up on WAL it missed), 4096 bytes behind",
    );
    expect(describeWalSender(sender({ state: "backup", lagBytes: null }), 100)).toContain("base backup is running");
    expect(describeWalSender(sender({ lagBytes: 5000 }), 100)).toBe("streaming but 5000 bytes behind (maxLagBytes 100)");
  });
});

describe("slot and endpoint wording", () => {
  it("tells a missing, idle, foreign-held and lost slot apart", () => {
    expect(describeSlot("replica_3", undefined, "replica-3")).toContain('slot "replica_3" does not exist on the primary');
    expect(describeSlot("replica_3", { active: false, activePid: null, walStatus: "reserved", holderApplicationName: null }, "replica-3")).toContain(
      "exists but is inactive",
    );
    expect(describeSlot("replica_3", { active: true, activePid: 7, walStatus: "reserved", holderApplicationName: "walreceiver" }, "replica-3")).toContain(
      "check application_name",
    );
    expect(describeSlot("replica_3", { active: false, activePid: null, walStatus: "lost", holderApplicationName: null }, "replica-3")).toContain(
      "must be rebuilt",
    );
  });

  it("words each endpoint state: refused, not in recovery, no WAL receiver, receiver under another name", () => {
    expect(describeProbe("127.0.0.1:5435", { reachable: false, kind: "refused", detail: "" }, "replica-3")).toContain("refuses connections");
    expect(describeProbe("127.0.0.1:5435", { reachable: false, kind: "authentication", detail: "" }, "replica-3")).toContain("authentication failed");
    expect(
      describeProbe("127.0.0.1:5435", { reachable: true, inRecovery: false, receiverStatus: null, senderHost: null, receiverSlot: null }, "replica-3"),
    ).toContain("NOT in recovery: it is a second primary");
    const noReceiver = describeProbe(
      "127.0.0.1:5435",
      { reachable: true, inRecovery: true, receiverStatus: null, senderHost: null, receiverSlot: null },
      "replica-3",
    );
    expect(noReceiver).toContain("no WAL receiver");
    expect(noReceiver).toContain("replicator password");
    expect(noReceiver).toContain("pg_hba");
    expect(noReceiver).toContain("docker logs of replica-3");
    expect(
      describeProbe("127.0.0.1:5435", { reachable: true, inRecovery: true, receiverStatus: "streaming", senderHost: "pg-primary", receiverSlot: "replica_3" }, "replica-3"),
    ).toContain("check application_name");
  });

  it("builds one line per unverified replica, naming the verified ones and what to check", () => {
    const text = timeoutReport({
      primaryEndpoint: "127.0.0.1:5432",
      timeoutSeconds: 10,
      expectedCount: 3,
      verified: ["replica-1", "replica-2"],
      problems: [{ name: "replica-3", text: "absent from pg_stat_replication on the primary" }],
    });
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "StreamingCheck failed after 10 s: 1 of 3 expected replicas not verified against the primary 127.0.0.1:5432 (verified: replica-1, replica-2):",
    );
    expect(lines[1]).toBe("  - replica-3: absent from pg_stat_replication on the primary");
    expect(lines[2]).toMatch(/^What to check: docker ps/);
  });
});
