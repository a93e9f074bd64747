import { describe, expect, it } from "vitest";
import {
  chooseNewPrimary,
  lsnToBigInt,
  renderFenceMarker,
  repointConninfo,
  repointPgbouncer,
  setStackConfigValue,
} from "../../../config/failover";
import { renderPgbouncerLiveIni } from "../../../config/renderPgbouncer";
import { DEFAULTS } from "../../../config/defaults";

describe("lsnToBigInt", () => {
  it("orders WAL positions across the high word", () => {
    expect(lsnToBigInt("0/3000060")).toBe(0x3000060n);
    expect(lsnToBigInt("1/0") > lsnToBigInt("0/FFFFFFFF")).toBe(true);
    expect(() => lsnToBigInt("nope")).toThrow(/not a WAL position/);
  });
});

describe("chooseNewPrimary", () => {
  it("promotes the replica holding the most WAL", () => {
    const chosen = chooseNewPrimary([
      { member: "replica-1", receiveLsn: "0/5000000", replayLsn: "0/5000000" },
      { member: "replica-2", receiveLsn: "0/5000100", replayLsn: "0/4000000" },
    ]);
    expect(chosen.member).toBe("replica-2");
  });

  it("breaks ties by name, and skips replicas that never received WAL", () => {
    expect(chooseNewPrimary([
      { member: "replica-2", receiveLsn: "0/5", replayLsn: "0/5" },
      { member: "replica-1", receiveLsn: "0/5", replayLsn: "0/5" },
      { member: "replica-3", receiveLsn: null, replayLsn: null },
    ]).member).toBe("replica-1");
    expect(() => chooseNewPrimary([{ member: "replica-1", receiveLsn: null, replayLsn: null }])).toThrow(/nothing safe to promote/);
  });
});

describe("rewrites that point live files at the new primary", () => {
  it("changes only the host of primary_conninfo", () => {
    const conf = [
      "application_name = 'x'",
      "primary_conninfo = 'host=primary port=5432 user=replicator passfile=/pgstack/run/pgpass application_name=replica-1 connect_timeout=5'",
      "primary_slot_name = 'replica_1'",
    ].join("\n");
    const out = repointConninfo(conf, "replica-2");
    expect(out).toBe(conf.replace("host=primary", "host=replica-2"));
  });

  it("sends PgBouncer's writes to the new primary and reads to the remaining replicas", () => {
    const s = { ...DEFAULTS, stack: "t", replicas: 2 };
    const before = renderPgbouncerLiveIni(s, { primaryHost: "primary", standbyHosts: ["replica-1", "replica-2"] });
    const after = repointPgbouncer(before, "replica-2", ["replica-1"]);
    expect(after).toBe(renderPgbouncerLiveIni(s, { primaryHost: "replica-2", standbyHosts: ["replica-1"] }));
    expect(repointPgbouncer(before, "replica-1", [])).toBe(renderPgbouncerLiveIni(s, { primaryHost: "replica-1", standbyHosts: [] }));
  });

  it("writes a fence marker the entrypoint can read", () => {
    expect(renderFenceMarker({ newPrimary: "replica-2", fencedAt: "2026-11-23T00:00:00Z", reason: "failover\nto replica-2" })).toBe(
      "new_primary=replica-2\nfenced_at=2026-11-23T00:00:00Z\nreason=failover to replica-2\n",
    );
  });
});

describe("setStackConfigValue", () => {
  it("replaces an existing key, adds a missing one, and creates the config block", () => {
    expect(setStackConfigValue("config:\n  pgstack:replicas: 2\n  pgstack:primaryMember: primary\n", "primaryMember", "replica-1")).toBe(
      "config:\n  pgstack:replicas: 2\n  pgstack:primaryMember: replica-1\n",
    );
    expect(setStackConfigValue("# c\nconfig:\n  pgstack:replicas: 2\n", "primaryMember", "replica-1")).toBe(
      "# c\nconfig:\n  pgstack:primaryMember: replica-1\n  pgstack:replicas: 2\n",
    );
    expect(setStackConfigValue("encryptionsalt: x\n", "primaryMember", "replica-1")).toBe("encryptionsalt: x\nconfig:\n  pgstack:primaryMember: replica-1\n");
    expect(() => setStackConfigValue("config:\n", "primaryMember", "a: b")).toThrow(/unquoted/);
  });
});
