import { expect } from "vitest";
import type { HarnessResult } from "../harness/result";
import { containerIdentities, expectTokenVisible, memberConnection, outputsOf, writeToken } from "./cluster";
import type { E2EStack } from "./e2eStack";
import { fromUrl } from "./pg";

// Scenario 1, shared by the staging and production shapes.

export const partsOf = (replicas: number) => ["primary", ...Array.from({ length: replicas }, (_, i) => `replica-${i + 1}`), "pgbouncer", "backup"];

/** Everything was created, every container is healthy and the streaming check verified each replica. */
export async function expectFreshCluster(stack: E2EStack, result: HarnessResult, replicas: number): Promise<void> {
  expect(result.steps.filter((s) => s.op !== "create")).toEqual([]);
  const identities = await containerIdentities(stack, partsOf(replicas));
  for (const [part, identity] of Object.entries(identities)) expect(identity.health, `${part} health`).toBe("healthy");

  const outputs = outputsOf(result);
  expect(outputs.streaming.map((r) => r.name)).toEqual(partsOf(replicas).filter((p) => p.startsWith("replica-")));
  for (const r of outputs.streaming) {
    expect(r.state, `${r.name} state`).toBe("streaming");
    expect(r.markerReplayed, `${r.name} replayed the check's marker`).toBe(true);
  }
}

/** A row written through PgBouncer's read-write database is read back from each replica and `<database>_ro`. */
export async function expectWritesReachEveryReplica(result: HarnessResult): Promise<void> {
  const outputs = outputsOf(result);
  const token = await writeToken(outputs);
  for (const endpoint of outputs.replicaEndpoints) {
    await expectTokenVisible(memberConnection(outputs, endpoint), token, `replica ${endpoint}`);
  }
  expect(fromUrl(outputs.readUrl).database).toBe(`${fromUrl(outputs.writeUrl).database}_ro`);
  await expectTokenVisible(fromUrl(outputs.readUrl), token, "PgBouncer's read-only database");
}

/**
 * Nothing changed, nothing to do: `pulumi preview --expect-no-changes` passes (on the harness, a
 * deploy reports no step but "same"), and a deploy then recreates no container and keeps every secret.
 */
export async function expectUnchangedRedeploy(stack: E2EStack, first: HarnessResult, replicas: number): Promise<void> {
  const before = await containerIdentities(stack, partsOf(replicas));
  const passwords = (["superuser", "replicator", "app", "stats", "backup"] as const).map((c) => stack.password(c));
  expect(await stack.changes()).toEqual([]);
  const second = await stack.up();
  expect(second.steps.filter((s) => s.op !== "same")).toEqual([]);
  expect(await containerIdentities(stack, partsOf(replicas))).toEqual(before);
  expect((["superuser", "replicator", "app", "stats", "backup"] as const).map((c) => stack.password(c))).toEqual(passwords);
  expect(second.outputs.writeUrl).toBe(first.outputs.writeUrl);
}
