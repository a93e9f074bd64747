import { describe, expect, it } from "vitest";
import { PrimaryGuardProvider, primaryContradiction } from "../../../providers/PrimaryGuard";
import { UNKNOWN_PLACEHOLDER } from "../../../providers/preview";

describe("primaryContradiction", () => {
  it("accepts the configured primary, a fresh stack, and a primary that is merely down", () => {
    expect(primaryContradiction("primary", [{ name: "primary", role: "primary" }, { name: "replica-1", role: "standby" }])).toBeUndefined();
    expect(primaryContradiction("primary", [{ name: "primary", role: "unreachable" }, { name: "replica-1", role: "unreachable" }])).toBeUndefined();
    expect(primaryContradiction("primary", [{ name: "primary", role: "unreachable" }, { name: "replica-1", role: "standby" }])).toBeUndefined();
  });

  it("refuses a config that still names the old primary after a failover, and says what to run", () => {
    const problem = primaryContradiction("primary", [
      { name: "primary", role: "unreachable" },
      { name: "replica-1", role: "standby" },
      { name: "replica-2", role: "primary" },
    ]);
    expect(problem).toMatch(/pgstack:primaryMember is primary, but replica-2 is the running primary \(primary is down or fenced\)/);
    expect(problem).toContain("pulumi config set primaryMember replica-2");
    expect(primaryContradiction("primary", [{ name: "primary", role: "standby" }, { name: "replica-1", role: "primary" }])).toMatch(/primary is a replica/);
  });

  it("names a split brain", () => {
    expect(primaryContradiction("primary", [{ name: "primary", role: "primary" }, { name: "replica-1", role: "primary" }])).toMatch(
      /primary and replica-1 both accept writes/,
    );
  });

  it("does not probe anything while inputs are unknown (first preview)", async () => {
    const result = await new PrimaryGuardProvider().check({}, { expectedPrimary: "primary", members: [{ name: "primary", host: "127.0.0.1", port: 1 }], user: "postgres", password: UNKNOWN_PLACEHOLDER });
    expect(result.failures).toEqual([]);
  });

  it("reports unreachable members as such, not as a contradiction", async () => {
    // Port 1 on loopback: nothing listens there.
    const result = await new PrimaryGuardProvider().check({}, { expectedPrimary: "primary", members: [{ name: "primary", host: "127.0.0.1", port: 1 }], user: "postgres", password: "x" });
    expect(result.failures).toEqual([]);
  });
});
