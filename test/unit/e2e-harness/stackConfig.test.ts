import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stackConfig } from "../../e2e/harness/stackConfig";

describe("the harness's stack config", () => {
  it("reads a real stack file as Pulumi hands it over and applies overrides by short or full key", () => {
    const config = stackConfig("production", { replicas: 1, "pgstack:images": { postgres: "p:1", pgbouncer: "b:1" } });
    expect(config["pgstack:replicas"]).toBe("1");
    expect(config["pgstack:syncReplicas"]).toBe("1");
    expect(JSON.parse(config["pgstack:ports"])).toEqual({ primary: 25432, replicaBase: 25433, pgbouncer: 26432 });
    expect(JSON.parse(config["pgstack:images"])).toEqual({ postgres: "p:1", pgbouncer: "b:1" });
  });

  it("reads a stack file by path, such as one a failover rewrote", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pgstack-cfg-"));
    try {
      const file = path.join(dir, "Pulumi.x.yaml");
      writeFileSync(file, "config:\n  pgstack:primaryMember: replica-1\n");
      expect(stackConfig(file)).toEqual({ "pgstack:primaryMember": "replica-1" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
