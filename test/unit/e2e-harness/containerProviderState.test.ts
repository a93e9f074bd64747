import { describe, expect, it } from "vitest";
import { canonicalCpus, canonicalDuration } from "../../../config/dockerCanonicalForms";
import { containerDecision } from "../../e2e/harness/handlers/container";
import { diffContainerState, inspectAsDockerReports, stateAfterCreate, stateAfterUpdate } from "../../e2e/harness/containerProviderState";
import { translateContainer } from "../../e2e/harness/dockerTranslate";
import { formatGoDuration } from "../../e2e/harness/goDuration";
import realEngine from "./fixtures/realEngineUnchangedContainers.json";

// The harness judges a redeploy the way the Docker provider does: against the state it read back
// after the create. Checked here against what the real engine reported for pgstack's own
// containers, and on the forms the provider rewrites.

/** The inputs as the program sent them: the provider's check adds `__defaults` and fills those fields. */
function programInputs(checked: Record<string, any>): Record<string, any> {
  const strip = (value: any): any => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === "object") {
      const defaults: string[] = value.__defaults ?? [];
      return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "__defaults" && !defaults.includes(k)).map(([k, v]) => [k, strip(v)]));
    }
    return value;
  };
  return strip(checked);
}

describe("the forms the Docker provider stores", () => {
  it("prints CPU limits as nanoInt64ToDecimalString does", () => {
    expect([1, 2, 0.5, 1.5, 0.25, 1.05, 10, 20.5].map(canonicalCpus)).toEqual(["1.0", "2.0", "0.5", "1.5", "0.25", "1.05", "10.", "20.5"]);
    expect(() => canonicalCpus(0)).toThrow(/positive/);
  });

  it("prints durations as Go's time.Duration.String does", () => {
    expect([0, 5, 59, 60, 90, 1800, 3600, 3661].map(canonicalDuration)).toEqual(["0s", "5s", "59s", "1m0s", "1m30s", "30m0s", "1h0m0s", "1h1m1s"]);
    expect([0, 500, 1_500, 2_000_000, 500_000_000, 1_500_000_000, 90e9].map(formatGoDuration)).toEqual(["0s", "500ns", "1.5µs", "2ms", "500ms", "1.5s", "1m30s"]);
    for (const s of [0, 5, 90, 1800, 7322]) expect(formatGoDuration(s * 1e9)).toBe(canonicalDuration(s));
  });
});

describe("the harness's provider model against the real engine", () => {
  it.each(realEngine.containers)("finds exactly the diff the real engine found for $name", (c) => {
    const diff = diffContainerState(c.state, programInputs(c.inputs));
    expect(diff.changed.sort()).toEqual([...c.diffReasons].sort());
    expect(diff.replacing.sort()).toEqual([...c.replaceReasons].sort());
    expect(containerDecision(c.state, programInputs(c.inputs)).kind).toBe(c.op === "replace" ? "replace" : "update");
  });

  it("sees no change once the inputs are declared in the stored forms", () => {
    for (const c of realEngine.containers) {
      const stored = c.state as Record<string, unknown>;
      const fixed = { ...programInputs(c.inputs), memorySwap: stored.memorySwap, healthcheck: stored.healthcheck, ...(stored.cpus ? { cpus: stored.cpus } : {}) };
      expect(diffContainerState(c.state, fixed), c.name).toEqual({ changed: [], replacing: [] });
    }
  });
});

describe("the state after create and update", () => {
  const inputs = {
    name: "s-x",
    image: "sha256:abc",
    command: ["postgres"],
    memory: 512,
    cpus: "1",
    restart: "unless-stopped",
    healthcheck: { tests: ["CMD", "true"], interval: "5s", timeout: "5s", startPeriod: "90s", retries: 3 },
    ports: [{ internal: 5432, external: 15432, ip: "127.0.0.1" }],
  };
  const plan = translateContainer(inputs);
  const state = stateAfterCreate(inputs, inspectAsDockerReports(plan.name, plan.create));

  it("holds what Docker reports, in the provider's forms", () => {
    expect(state).toMatchObject({ cpus: "1.0", memorySwap: 1024, shmSize: 64, healthcheck: { startPeriod: "1m30s", startInterval: "0s" } });
    expect(state.ports).toEqual([{ internal: 5432, external: 15432, ip: "127.0.0.1", protocol: "tcp" }]);
  });

  it("makes a redeploy of rewritten forms a replacement (cpus) and an update (durations, Docker's swap)", () => {
    expect(containerDecision(state, inputs)).toMatchObject({ kind: "replace", deleteBeforeReplace: true, reason: "changed: cpus", replacing: ["cpus"] });
    expect(diffContainerState(state, inputs).changed).toEqual(["healthcheck", "memorySwap", "cpus"]);
    const canonical = { ...inputs, cpus: "1.0", memorySwap: 512, healthcheck: { ...inputs.healthcheck, startPeriod: "1m30s" } };
    const swapSet = stateAfterCreate(canonical, inspectAsDockerReports(plan.name, translateContainer(canonical).create));
    expect(containerDecision(swapSet, canonical)).toEqual({ kind: "same" });
  });

  it("keeps the inputs as given after an update, which reads nothing back", () => {
    const updated = stateAfterUpdate(state, { ...inputs, cpus: "1.0" });
    expect(updated.healthcheck).toEqual(inputs.healthcheck);
    expect(updated.memorySwap).toBeUndefined();
    expect(containerDecision(updated, { ...inputs, cpus: "1.0" })).toEqual({ kind: "same" });
  });

  it("refuses an input it has no rule for", () => {
    expect(() => diffContainerState(state, { ...inputs, privileged: true })).toThrow(/no provider rule for Container input\(s\) privileged/);
  });
});
