import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { reviewPlan, type Review } from "../../../scripts/lib/review";
import { repoRoot } from "../../support/repoRoot";

// Plans recorded with the real engine from the converged program (test/fixtures/plans/converged/,
// recorded by test/e2e/review.test.ts with PGSTACK_RECORD_PLANS): the review of each, as the e2e
// test found it matches what the deploy then did.

const review = (name: string): Review =>
  reviewPlan(JSON.parse(readFileSync(path.join(repoRoot(), "test", "fixtures", "plans", "converged", `${name}.json`), "utf8")));

describe("reviews of real-engine plans of the converged program", () => {
  it("an unchanged stack: safe, and the plan has nothing but the stack itself", () => {
    const r = review("unchanged");
    expect(r.verdict).toBe("safe");
    expect(r.restarts).toEqual([]);
    expect(r.removals).toEqual([]);
  });

  it("work_mem: safe, applied with a reload on each member", () => {
    const r = review("work_mem");
    expect(r.verdict).toBe("safe");
    expect(r.liveChanges.filter((c) => c.name === "work_mem").map((c) => [c.target, c.to])).toEqual([
      ["primary", "8MB"],
      ["replica-1", "8MB"],
    ]);
  });

  it("shared_buffers: disruptive, the primary and replica-1 restart, for that setting", () => {
    const r = review("shared_buffers");
    expect(r.verdict).toBe("disruptive");
    expect(r.restarts.map((x) => x.part).sort()).toEqual(["primary", "replica-1"]);
    expect(r.restarts.flatMap((x) => x.reasons.map((y) => y.text)).join("\n")).toMatch(/shared_buffers 256MB → 300MB needs a restart/);
  });

  it("a scale-up: disruptive only for the backup container, which learns the new member", () => {
    const r = review("replicas_1_to_2");
    expect(r.verdict).toBe("disruptive");
    expect(r.restarts.map((x) => x.part)).toEqual(["backup"]);
  });

  it("a scale-down: destructive, the removed replica's data volume is deleted", () => {
    const r = review("replicas_2_to_1");
    expect(r.verdict).toBe("destructive");
    expect(r.removals.filter((x) => x.what === "data volume" && !x.replaced).map((x) => x.name)).toEqual(["e2e-review-replica-2-data"]);
  });

  it("protection on is safe; off is destructive though nothing else changes", () => {
    expect(review("protect_on").verdict).toBe("safe");
    expect(review("protect_off").verdict).toBe("destructive");
  });
});
