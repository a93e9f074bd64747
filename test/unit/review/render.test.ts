import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderMarkdown, renderText, reviewPlan } from "../../../scripts/lib/review";
import { escapeMarkdown } from "../../../scripts/lib/review/renderMarkdown";
import { readFixture } from "../../fixtures/plans/build";
import { repoRoot } from "../../support/repoRoot";

const review = (dir: "real-engine" | "derived", name: string) => reviewPlan(readFixture(dir, name));
const ESC = "\u001b[";

describe("text output", () => {
  it("puts the verdict first, the destructive findings loud before the sections, the verdict again last", () => {
    const text = renderText(review("real-engine", "replicas_1_to_0"));
    const lines = text.split("\n");
    expect(lines[0]).toBe("pgstack review of stack staging: DESTRUCTIVE (exit 2)");
    expect(lines[3]).toBe("!! DESTRUCTIVE: read this first");
    expect(lines[4]).toBe("!!   replica-1's data volume staging-replica-1-data is DELETED: replica-1 is removed by the scale-down to 0 replicas");
    const headings = ["Restarts", "Data", "Roles, database, slots", "Live changes (no restart)", "Safety", "Everything else in the plan"];
    const at = headings.map((h) => lines.indexOf(h));
    expect(at.every((i) => i > 4)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toContain("Verdict: DESTRUCTIVE (exit 2)\nThis change deletes data or lowers protection. To deploy it, a reviewer acknowledges it: the pull-request label pgstack-ack-destructive, or PGSTACK_REVIEW_ACK=destructive in CI without labels.\n");
    expect(text.trimEnd().split("\n").pop()).toBe("Plan: 5 to update, 7 to replace, 5 to delete, 25 unchanged.");
    expect(text).not.toContain(ESC);
  });

  it("says none under an empty heading, and asks no acknowledgement when nothing is destructive", () => {
    const text = renderText(review("derived", "work_mem"));
    expect(text).toContain("Restarts\n   none\n");
    expect(text).toContain("Live changes (no restart)\n - work_mem 2621kB → 8MB (primary and replica-1; reload, no restart)\n");
    expect(text).not.toContain("Everything else in the plan");
    expect(text).not.toContain("acknowledge");
    expect(text).toContain("Verdict: SAFE (exit 0)");
  });

  it("colours only when asked", () => {
    const r = review("real-engine", "replicas_1_to_0");
    const coloured = renderText(r, { color: true });
    expect(coloured).toContain(`${ESC}1;31m!!   replica-1's data volume`);
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, "")).toBe(renderText(r));
  });
});

describe("Markdown output", () => {
  it("is a pull-request comment: title with the verdict, the acknowledgement, sections, the long tail folded", () => {
    const md = renderMarkdown(review("real-engine", "replicas_1_to_0"));
    const lines = md.split("\n");
    expect(lines[0]).toBe("### 🛑 pgstack review of stack `staging`: DESTRUCTIVE (exit 2)");
    expect(md).toContain("> [!CAUTION]\n> This change deletes data or lowers protection. A reviewer who accepts it adds the label `pgstack-ack-destructive` to this pull request");
    expect(md).toContain("#### Data\n\n- 🛑 **replica-1's data volume staging-replica-1-data is DELETED");
    expect(md).toContain("#### Restarts\n\n- ⚠️ cpus \"1.0\" → \"1\"");
    expect(md).toContain("<details><summary>Everything else in the plan (2)</summary>");
    expect(md).toContain("- PgBouncer database app\\_ro host=replica-1 → host=primary");
    expect(md.trimEnd().split("\n").pop()).toMatch(/^<sub>Plan: 5 to update, 7 to replace, 5 to delete, 25 unchanged\. Exit codes: 0 safe, 1 disruptive, 2 destructive\./);
  });

  it("has no acknowledgement block for a safe change", () => {
    const md = renderMarkdown(review("derived", "work_mem"));
    expect(md.split("\n")[0]).toBe("### 🟢 pgstack review of stack `staging`: SAFE (exit 0)");
    expect(md).not.toContain("[!CAUTION]");
    expect(md).toContain("#### Restarts\n\nnone\n");
  });

  it("escapes what Markdown or HTML would read as markup", () => {
    expect(escapeMarkdown("<script> *a* _b_ [l](u) `c` | # ~ & \\")).toBe("\\<script\\> \\*a\\* \\_b\\_ \\[l\\](u) \\`c\\` \\| \\# \\~ &amp; \\\\");
  });
});

describe("README", () => {
  it("shows the real output of the review on the fixture it names", () => {
    const readme = readFileSync(path.join(repoRoot(), "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Reviewing a change"));
    const example = /\n```\n(pgstack review of stack [\s\S]*?)\n```\n/.exec(section)?.[1];
    expect(section).toContain("(`test/fixtures/plans/derived/replicas_2_to_1.json`)");
    expect(`${example}\n`).toBe(renderText(review("derived", "replicas_2_to_1")));
  });
});
