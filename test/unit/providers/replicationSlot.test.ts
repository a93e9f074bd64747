import { describe, expect, it } from "vitest";
import { UNKNOWN_PLACEHOLDER } from "../../../providers/preview";
import {
  checkSlotInputs,
  diffSlot,
  slotNameProblem,
  slotUpdateTouchesServer,
  type ReplicationSlotOutputs,
} from "../../../providers/ReplicationSlot";

const olds: ReplicationSlotOutputs = {
  host: "127.0.0.1",
  port: 5432,
  user: "postgres",
  password: "pw",
  slotName: "replica_1",
  active: true,
  restartLsn: "0/5000000",
  walStatus: "reserved",
  retainedBytes: 0,
  adopted: false,
};
const news = { host: "127.0.0.1", port: 5432, user: "postgres", password: "pw", slotName: "replica_1" };

describe("slot names", () => {
  it("accepts lower-case letters, digits and underscores up to 63 characters", () => {
    expect(slotNameProblem("replica_1")).toBeUndefined();
    expect(slotNameProblem("a".repeat(63))).toBeUndefined();
  });

  it("refuses other characters, naming the value and suggesting a valid one", () => {
    expect(slotNameProblem("Replica-1")).toBe(
      'slotName "Replica-1" is not a valid replication slot name: PostgreSQL slot names use only lower-case letters, ' +
        'digits and underscores, 1 to 63 characters (for example "replica_1")',
    );
    expect(slotNameProblem("has space")).toContain('"has space"');
  });

  it("refuses empty and over-long names", () => {
    expect(slotNameProblem("")).toMatch(/empty/);
    expect(slotNameProblem("a".repeat(64))).toMatch(/64 characters long/);
    expect(slotNameProblem(7)).toMatch(/must be a string/);
  });
});

describe("checkSlotInputs", () => {
  it("reports the slot name and a negative timeout by property", () => {
    expect(checkSlotInputs({ slotName: "Bad", deleteTimeoutSeconds: -1 }).map((f) => f.property)).toEqual([
      "slotName",
      "deleteTimeoutSeconds",
    ]);
    expect(checkSlotInputs({})).toEqual([{ property: "slotName", reason: "slotName is required" }]);
  });

  it("does not judge preview placeholders", () => {
    expect(checkSlotInputs({ slotName: UNKNOWN_PLACEHOLDER, deleteTimeoutSeconds: UNKNOWN_PLACEHOLDER })).toEqual([]);
  });
});

describe("diffSlot", () => {
  it("sees no change for the same slot, defaults included", () => {
    expect(diffSlot(olds, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(diffSlot(olds, { ...news, database: "postgres", deleteTimeoutSeconds: 60 }).changes).toBe(false);
  });

  it("replaces on a new slot name, creating the new slot before dropping the old", () => {
    expect(diffSlot(olds, { ...news, slotName: "replica_9" })).toEqual({ changes: true, replaces: ["slotName"], deleteBeforeReplace: false });
  });

  it("updates on a new endpoint (a failover moved the primary) and on new timeouts", () => {
    for (const change of [{ host: "127.0.0.2" }, { port: 6000 }, { password: "rotated" }, { deleteTimeoutSeconds: 5 }, { statementTimeoutMs: 100 }]) {
      expect(diffSlot(olds, { ...news, ...change }), JSON.stringify(change)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("treats an unknown endpoint in preview as an update", () => {
    expect(diffSlot(olds, { ...news, port: UNKNOWN_PLACEHOLDER as unknown as number })).toMatchObject({ changes: true, replaces: [] });
  });
});

describe("slotUpdateTouchesServer", () => {
  it("is true for a new endpoint or identity, false for timeouts only", () => {
    expect(slotUpdateTouchesServer(olds, { ...news, port: 6000 })).toBe(true);
    expect(slotUpdateTouchesServer(olds, { ...news, password: "rotated" })).toBe(true);
    expect(slotUpdateTouchesServer(olds, { ...news, deleteTimeoutSeconds: 5, connectTimeoutSeconds: 3 })).toBe(false);
  });
});
