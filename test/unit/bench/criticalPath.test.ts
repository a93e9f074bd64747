import { describe, expect, it } from "vitest";
import { criticalPath, customDependencies, lastStep, type TimedStep } from "../../../bench/criticalPath";
import type { GraphResource } from "../../../test/e2e/support/engines/types";

// A synthetic deploy: a component "member" holding a container and its health step; a slot and a
// role on the primary; a replica that depends on the component (so on both of its children).

const CONTAINER = "docker:index/container:Container";
const HEALTH = "pulumi-nodejs:dynamic/pgstack:ContainerHealth";
const urn = (name: string) => `urn:${name}`;
const node = (name: string, deps: string[] = [], extra: Partial<GraphResource> = {}): GraphResource => ({
  urn: urn(name),
  type: CONTAINER,
  name,
  parent: "",
  custom: true,
  dependencies: deps.map(urn),
  ...extra,
});
const step = (name: string, startMs: number, endMs: number, type = CONTAINER): TimedStep => ({ urn: urn(name), type, name, op: "create", startMs, endMs });

const graph: GraphResource[] = [
  node("stack", [], { custom: false, type: "pulumi:pulumi:Stack" }),
  node("member", [], { custom: false, type: "pgstack:cluster:PostgresMember", parent: urn("stack") }),
  node("network"),
  node("primary", ["network"], { parent: urn("member") }),
  node("primary-healthy", ["primary"], { parent: urn("member"), type: HEALTH }),
  node("slot", ["primary-healthy"]),
  node("role", ["primary-healthy"]),
  node("replica", ["member", "slot", "role", "network"]),
  node("check", ["replica", "member"]),
  node("unrelated"),
];

const steps = [
  step("network", 500, 2_500),
  step("unrelated", 400, 9_000),
  step("primary", 2_600, 3_400),
  step("primary-healthy", 3_400, 8_500, HEALTH),
  step("slot", 8_600, 8_700),
  step("role", 8_600, 8_900),
  step("replica", 9_300, 10_500),
  step("check", 10_600, 10_700),
];

describe("customDependencies", () => {
  it("stands a component dependency for every custom resource below it, the component's own parent chain included", () => {
    const deps = customDependencies(graph);
    expect(deps.get(urn("replica"))?.sort()).toEqual([urn("network"), urn("primary"), urn("primary-healthy"), urn("role"), urn("slot")].sort());
  });

  it("keeps a dependency that is not in the graph as it is, and never a resource's own URN", () => {
    const deps = customDependencies([node("a", ["ghost", "a"])]);
    expect(deps.get(urn("a"))).toEqual([urn("ghost")]);
  });

  it("expands nested components", () => {
    const nested = [
      node("outer", [], { custom: false }),
      node("inner", [], { custom: false, parent: urn("outer") }),
      node("leaf", [], { parent: urn("inner") }),
      node("user", ["outer"]),
    ];
    expect(customDependencies(nested).get(urn("user"))).toEqual([urn("leaf")]);
  });
});

describe("criticalPath", () => {
  const path = criticalPath(steps, graph, urn("check"));

  it("walks back through each step's latest-finishing dependency", () => {
    expect(path.map((l) => l.name)).toEqual(["network", "primary", "primary-healthy", "role", "replica", "check"]);
    expect(path[4].waitedFor).toBe(urn("role"));
    expect(path[0].waitedFor).toBeUndefined();
  });

  it("gives each link's gap: its dependency's end to its start, the first from the deploy's start", () => {
    expect(path.map((l) => l.gapMs)).toEqual([500, 100, 0, 100, 400, 100]);
  });

  it("prefers the one that started later when two dependencies end together", () => {
    const tied = [step("a", 0, 1_000), step("b", 500, 1_000), step("c", 1_100, 1_200)];
    const g = [node("a"), node("b"), node("c", ["a", "b"])];
    expect(criticalPath(tied, g, urn("c")).map((l) => l.name)).toEqual(["b", "c"]);
  });

  it("ignores dependencies that took no step in this deploy and stops at the first step", () => {
    const g = [node("x", ["absent"])];
    expect(criticalPath([step("x", 200, 300)], g, urn("x"))).toEqual([{ ...step("x", 200, 300), gapMs: 200 }]);
  });

  it("returns nothing for a target that took no step, and survives a cycle", () => {
    expect(criticalPath(steps, graph, urn("nope"))).toEqual([]);
    const g = [node("p", ["q"]), node("q", ["p"])];
    expect(criticalPath([step("p", 10, 20), step("q", 0, 5)], g, urn("p")).map((l) => l.name)).toEqual(["q", "p"]);
  });
});

describe("lastStep", () => {
  it("is the step that ended last", () => {
    expect(lastStep(steps)?.name).toBe("check");
    expect(lastStep([])).toBeUndefined();
  });
});
