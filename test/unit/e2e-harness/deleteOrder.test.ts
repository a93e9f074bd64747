import { describe, expect, it } from "vitest";
import { deletionOrder, keptWithProtected } from "../../e2e/harness/deleteOrder";

const e = (urn: string, dependencies: string[] = [], order = 0, parent = "", protect = false) => ({ urn, dependencies, order, parent, protect });

describe("deletionOrder", () => {
  it("deletes every resource before what it depends on, whatever the creation order says", () => {
    // The slot was created before a replaced primary container it depends on.
    const entries = [e("volume", [], 1), e("slot", ["container"], 2), e("container", ["volume"], 9), e("replica", ["slot"], 3)];
    const order = deletionOrder(entries).map((x) => x.urn);
    expect(order.indexOf("replica")).toBeLessThan(order.indexOf("slot"));
    expect(order.indexOf("slot")).toBeLessThan(order.indexOf("container"));
    expect(order.indexOf("container")).toBeLessThan(order.indexOf("volume"));
  });

  it("deletes children before parents and newest first among independent ones", () => {
    const entries = [e("component", [], 1), e("a", [], 2, "component"), e("b", [], 3, "component")];
    expect(deletionOrder(entries).map((x) => x.urn)).toEqual(["b", "a", "component"]);
  });

  it("ignores dependencies on resources that are not being deleted", () => {
    expect(deletionOrder([e("a", ["kept"], 1)]).map((x) => x.urn)).toEqual(["a"]);
  });
});

describe("keptWithProtected", () => {
  it("keeps protected resources, what they depend on and their parents, nothing else", () => {
    const entries = [
      e("cluster", [], 1),
      e("network", [], 2, "cluster"),
      e("volume", ["label-source"], 3, "member", true),
      e("label-source", [], 4),
      e("member", [], 5, "cluster"),
      e("container", ["volume", "network"], 6, "member"),
    ];
    expect([...keptWithProtected(entries)].sort()).toEqual(["cluster", "label-source", "member", "volume"]);
  });
});
