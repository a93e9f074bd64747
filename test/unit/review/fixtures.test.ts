import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { reviewPlan } from "../../../scripts/lib/review";
import { FIXTURES, fixtureNames, readFixture, RECORDED, serialize } from "../../fixtures/plans/build";
import { deriveConvergedPlans } from "../../fixtures/plans/derive";
import { trimPlan } from "../../fixtures/plans/trimPlan";

// The fixture plans themselves: every recording is there and small, the derived ones are what
// derive.ts makes of the recordings, and the review accounts for every step of every plan.

const ALL = [...fixtureNames("real-engine").map((n) => ["real-engine", n] as const), ...fixtureNames("derived").map((n) => ["derived", n] as const)];

describe("fixture plans", () => {
  it("has every recording, each under 150 KB", () => {
    expect(fixtureNames("real-engine")).toEqual([...RECORDED].sort());
    for (const [dir, name] of ALL) expect(statSync(path.join(FIXTURES, dir, `${name}.json`)).size).toBeLessThan(150_000);
  });

  it("derived/ is exactly what derive.ts makes of the recordings", () => {
    const real = Object.fromEntries(RECORDED.map((n) => [n, readFixture("real-engine", n)]));
    const derived = deriveConvergedPlans(real);
    expect(Object.keys(derived).sort()).toEqual(fixtureNames("derived"));
    for (const [name, plan] of Object.entries(derived)) {
      expect(serialize(plan), name).toBe(readFileSync(path.join(FIXTURES, "derived", `${name}.json`), "utf8"));
    }
  });

  it("trimming keeps what the review reads and drops the rest", () => {
    const step = {
      op: "replace",
      urn: "urn:pulumi:s::pgstack::pgstack:cluster:PostgresMember$docker:index/container:Container::primary",
      provider: "urn:pulumi:s::pgstack::pulumi:providers:docker::default",
      diffReasons: ["cpus"],
      replaceReasons: ["cpus"],
      detailedDiff: { cpus: { kind: "update-replace", inputDiff: false } },
      oldState: {
        type: "docker:index/container:Container",
        protect: true,
        sourcePosition: "project:///x.ts#1",
        stackTrace: [{}],
        inputs: { cpus: "1", uploads: [{ file: "/pgstack/bin/entrypoint.sh", content: "#!/bin/sh\necho hi\n" }, { file: "/pgstack/conf/postgresql.conf", content: "port = 5432\n" }] },
        outputs: { cpus: "1.0", __pulumi_raw_state_delta: { big: true }, networkDatas: [{ ip: "x" }], logs: "…" },
      },
      newState: { type: "docker:index/container:Container", inputs: { cpus: "1", __provider: "exports.handler = ..." } },
    };
    const [trimmed] = trimPlan({ steps: [step], config: { "pgstack:replicas": "1" }, extra: 1 }).steps;
    expect(Object.keys(trimmed).sort()).toEqual(["detailedDiff", "diffReasons", "newState", "oldState", "op", "replaceReasons", "urn"]);
    expect(trimmed.oldState).toEqual({
      type: "docker:index/container:Container",
      protect: true,
      inputs: {
        cpus: "1",
        uploads: [
          { file: "/pgstack/bin/entrypoint.sh", content: expect.stringMatching(/^\[trimmed script: 18 chars, sha256 [0-9a-f]{16}\]$/) },
          { file: "/pgstack/conf/postgresql.conf", content: "port = 5432\n" },
        ],
      },
      outputs: { cpus: "1.0" },
    });
    expect(trimmed.newState.inputs.__provider).toMatch(/^\[trimmed serialized provider: 21 chars, sha256 /);
  });

  // Only where the full recordings are (the machine they were made on): the review of a trimmed
  // plan is the review of the full one. The committed trimmed files are tested everywhere above.
  const raw = "/work/shared/fixtures/real-engine-plans";
  it.runIf(existsSync(raw))("trimming does not change any review of the full recordings", () => {
    for (const name of RECORDED) {
      const full = JSON.parse(readFileSync(path.join(raw, `${name}.json`), "utf8"));
      expect(reviewPlan(trimPlan(full)), name).toEqual(reviewPlan(full));
      expect(serialize(trimPlan(full)), name).toBe(readFileSync(path.join(FIXTURES, "real-engine", `${name}.json`), "utf8"));
    }
  });
});

describe("every step of every plan is accounted for", () => {
  it.each(ALL)("%s/%s", (dir, name) => {
    const plan = readFixture(dir, name);
    const review = reviewPlan(plan);
    const explained = new Set(Object.values(review.sections).flatMap((findings) => findings.flatMap((f) => f.urns)));
    const changed = (plan.steps as Record<string, any>[]).filter((s) => {
      const custom = (s.newState ?? s.oldState)?.custom !== false && !String(s.urn).includes("::pulumi:pulumi:Stack::");
      const protectChanged = (s.oldState?.protect === true) !== (s.newState?.protect === true) && s.oldState && s.newState;
      return custom && (s.op !== "same" || protectChanged);
    });
    const missing = changed.filter((s) => !explained.has(s.urn)).map((s) => `${s.op} ${s.urn}`);
    expect(missing).toEqual([]);
    if (changed.length > 0) expect(review.headline).not.toBe("SAFE: no changes");
  });
});
