import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { reviewPlan, type Review } from "../../scripts/lib/review";
import { dockerRaw } from "../support/docker";
import { E2EStack } from "./support/e2eStack";

// The review of a change (npm run review) against what deploying that change then really does:
// the preview's plan (on the real engine `pulumi preview --json`, on the harness its own preview
// in the same shape) is reviewed, the change is deployed, and the containers it restarted and the
// volumes it deleted must be exactly those the review named, with the verdict that follows; and
// after each deploy there is nothing left to change (the local stack fresh, a live setting, a
// restart-only setting, scale 1 → 2 → 1, protection on and off).

const ports = { primary: 21432, replicaBase: 21433, pgbouncer: 21532 };
// The laptop default (Pulumi.local.yaml), on ports of its own.
const stack = new E2EStack({ stack: "e2e-review", configFrom: "local", config: { images: inject("images"), ports } });

/** Container name → id, for every container of the stack. */
async function containerIds(): Promise<Map<string, string>> {
  const out = await dockerRaw(["ps", "-a", "--filter", `label=pgstack.stack=${stack.stack}`, "--format", "{{.Names}}\t{{.ID}}"]);
  return new Map(out.stdout.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]));
}

async function volumes(): Promise<Set<string>> {
  const out = await dockerRaw(["volume", "ls", "--filter", `label=pgstack.stack=${stack.stack}`, "--format", "{{.Name}}"]);
  return new Set(out.stdout.split("\n").filter(Boolean));
}

interface Outcome {
  review: Review;
  restarted: string[];
  deletedVolumes: string[];
}

/** Where to keep each plan as recorded (PGSTACK_RECORD_PLANS=<dir>): the review's unit fixtures come from there. */
const recordTo = process.env.PGSTACK_RECORD_PLANS;

/** Reviews the plan of `change`, deploys it, and checks the review against what the deploy did. */
async function reviewThenDeploy(label: string, change: Record<string, unknown>): Promise<Outcome> {
  const plan = await stack.plan(change);
  if (recordTo) writeFileSync(path.join(recordTo, `${label}.json`), JSON.stringify(plan));
  const review = reviewPlan(plan);
  const [idsBefore, volumesBefore] = [await containerIds(), await volumes()];
  stack.configure(change);
  await stack.up();
  const [idsAfter, volumesAfter] = [await containerIds(), await volumes()];
  const restarted = [...idsBefore].filter(([name, id]) => idsAfter.has(name) && idsAfter.get(name) !== id).map(([name]) => name).sort();
  const deletedVolumes = [...volumesBefore].filter((v) => !volumesAfter.has(v)).sort();

  // The review named exactly the containers that restarted and the volumes that went.
  expect(review.restarts.map((r) => r.container).sort(), "containers the review says restart").toEqual(restarted);
  const removedVolumes = review.removals.filter((r) => r.what.endsWith("volume") && !r.replaced && !r.kept).map((r) => r.name).sort();
  expect(removedVolumes, "volumes the review says are deleted").toEqual(deletedVolumes);
  if (deletedVolumes.length > 0) expect(review.verdict).toBe("destructive");
  else if (restarted.length > 0) expect(["disruptive", "destructive"]).toContain(review.verdict);
  // And the stack has converged: deploying it again would change nothing (preview --expect-no-changes).
  expect((await stack.changes()).map((s) => `${s.op} ${s.name}`), "changes left after the deploy").toEqual([]);
  return { review, restarted, deletedVolumes };
}

beforeAll(async () => {
  await stack.up();
});
afterAll(async () => {
  await stack.cleanup();
});

describe("the review of a change, against what deploying it does", () => {
  it("calls an unchanged stack safe, and nothing restarts", async () => {
    const { review, restarted } = await reviewThenDeploy("unchanged", {});
    expect(review.verdict).toBe("safe");
    expect(review.exitCode).toBe(0);
    expect(restarted).toEqual([]);
  });

  it("calls a reloadable setting safe, names it as a live change, and nothing restarts", async () => {
    const { review, restarted } = await reviewThenDeploy("work_mem", { postgresql: { work_mem: "8MB" } });
    expect(review.verdict).toBe("safe");
    expect(review.liveChanges.filter((c) => c.name === "work_mem").map((c) => [c.target, c.to])).toEqual([
      ["primary", "8MB"],
      ["replica-1", "8MB"],
    ]);
    expect(restarted).toEqual([]);
  });

  it("calls a restart-only setting disruptive, naming the members that then restart, and only those", async () => {
    const { review, restarted } = await reviewThenDeploy("shared_buffers", { postgresql: { work_mem: "8MB", shared_buffers: "300MB" } });
    expect(review.verdict).toBe("disruptive");
    expect(restarted).toEqual(["e2e-review-primary", "e2e-review-replica-1"]);
    const reasons = review.restarts.flatMap((r) => r.reasons.map((x) => x.text)).join("\n");
    expect(reasons).toMatch(/shared_buffers/);
  });

  it("says what a scale-up creates and restarts", async () => {
    const { review } = await reviewThenDeploy("replicas_1_to_2", { replicas: 2 });
    expect(review.counts.create ?? 0).toBeGreaterThan(0);
  });

  it("calls a scale-down destructive: the replica's data volume is deleted, and it is", async () => {
    const { review, deletedVolumes } = await reviewThenDeploy("replicas_2_to_1", { replicas: 1 });
    expect(review.verdict).toBe("destructive");
    expect(review.exitCode).toBe(2);
    expect(deletedVolumes).toEqual(["e2e-review-replica-2-data"]);
    expect(review.acknowledgement?.label).toBe("pgstack-ack-destructive");
  });

  it("calls protection turned on safe, and turned off destructive, though nothing restarts either time", async () => {
    const on = await reviewThenDeploy("protect_on", { protectData: true });
    expect(on.review.verdict).toBe("safe");
    const off = await reviewThenDeploy("protect_off", { protectData: false });
    expect(off.review.verdict).toBe("destructive");
    expect([...on.restarted, ...off.restarted]).toEqual([]);
  });
});
