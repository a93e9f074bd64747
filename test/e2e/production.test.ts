import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { HarnessResult } from "./harness/result";
import { outputsOf } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { expectFreshCluster, expectUnchangedRedeploy, expectWritesReachEveryReplica } from "./support/freshDeploy";
import { leftovers } from "./support/leftovers";

// Scenarios 1 and 7 on the production shape (Pulumi.production.yaml: two replicas, one of them
// synchronous, data and backup volumes protected), sharing one deployment.

const stack = new E2EStack({ stack: "e2e-production", configFrom: "production", config: { images: inject("images") } });
const protectedVolumes = ["e2e-production-backups", "e2e-production-primary-data", "e2e-production-replica-1-data", "e2e-production-replica-2-data"];
let first: HarnessResult;

beforeAll(async () => {
  first = await stack.up();
});
afterAll(async () => {
  await stack.cleanup();
});

describe("production shape: a fresh deploy", () => {
  it("starts every container healthy and proves both replicas stream, one as a synchronous candidate", async () => {
    await expectFreshCluster(stack, first, 2);
    // ANY 1 (...): each replica is a quorum candidate.
    expect(outputsOf(first).streaming.map((r) => r.syncState)).toEqual(["quorum", "quorum"]);
  });

  it("serves a row written through PgBouncer from each replica's endpoint and from <database>_ro", async () => {
    await expectWritesReachEveryReplica(first);
  });

  it("changes nothing when deployed again unchanged", async () => {
    await expectUnchangedRedeploy(stack, first, 2);
  });
});

describe("production shape: tear-down", () => {
  it("removes everything but the protected data and backup volumes, and reports those", async () => {
    const result = await stack.destroy();
    expect(result.protectedLeft.map((r) => `${r.type} ${r.id}`).sort()).toEqual(protectedVolumes.map((v) => `docker:index/volume:Volume ${v}`));
    expect(await leftovers(stack.stack)).toEqual({ containers: [], volumes: protectedVolumes, networks: [] });
  });
});
