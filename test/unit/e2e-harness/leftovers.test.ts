import { describe, expect, it } from "vitest";
import { names } from "../../../config/topology";
import { stackNamePatterns } from "../../e2e/support/leftovers";

describe("stackNamePatterns", () => {
  const ours = stackNamePatterns("e2e-dr");

  it("recognises every name the program gives a stack's containers and volumes", () => {
    for (const part of ["primary", "replica-1", "replica-9", "pgbouncer", "backup"]) expect(ours.container.test(names.container("e2e-dr", part))).toBe(true);
    for (const member of ["primary", "replica-2"]) expect(ours.volume.test(names.dataVolume("e2e-dr", member))).toBe(true);
    expect(ours.volume.test(names.backupVolume("e2e-dr"))).toBe(true);
  });

  it("never takes another stack whose name starts with this one's for a leftover", () => {
    // The disaster-recovery tests rebuild `e2e-dr` as `e2e-dr-pitr`, `e2e-dr-latest`, ...
    expect(ours.container.test(names.container("e2e-dr-pitr", "primary"))).toBe(false);
    expect(ours.volume.test(names.dataVolume("e2e-dr-latest", "replica-1"))).toBe(false);
    expect(ours.volume.test(names.backupVolume("e2e-dr-dump"))).toBe(false);
    expect(stackNamePatterns("a.b").container.test("axb-primary")).toBe(false);
  });
});
