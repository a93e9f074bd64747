import { Collector } from "./collector";
import { buildContext, type Context } from "./context";
import { classifyLiveSettings } from "./live";
import { classifyContainers, classifyMembers, classifyProtection, classifyVolumes } from "./members";
import { classifyDatabases, classifyRoles, classifySlots } from "./objects";
import { parsePlan } from "./plan";
import { classifyRest, classifyRestore } from "./rest";
import { classifySafety } from "./safety";
import { ACKNOWLEDGEMENT, SECTIONS, VERDICT_EXIT_CODES, worst, type Finding, type Review, type Verdict } from "./types";
import { listWords, plural } from "./values";

const RANK: Record<Verdict, number> = { destructive: 0, disruptive: 1, safe: 2 };

function counts(ctx: Context, plan: { changeSummary?: Record<string, number> }): Record<string, number> {
  if (plan.changeSummary && Object.keys(plan.changeSummary).length > 0) return { ...plan.changeSummary };
  const c: Record<string, number> = {};
  for (const s of ctx.steps) c[s.rawOp] = (c[s.rawOp] ?? 0) + 1;
  return c;
}

function headline(verdict: Verdict, out: Collector, all: Finding[]): string {
  if (verdict === "destructive") {
    const worstOnes = all.filter((f) => f.severity === "destructive").map((f) => f.text);
    return `DESTRUCTIVE: ${worstOnes.slice(0, 2).join("; ")}${worstOnes.length > 2 ? `; and ${worstOnes.length - 2} more` : ""}`;
  }
  if (verdict === "disruptive") {
    const parts: string[] = [];
    if (out.restarts.length > 0) parts.push(`restarts ${listWords(out.restarts.map((r) => r.part))}`);
    const recreated = out.removals.filter((r) => r.replaced && r.what !== "secret");
    if (recreated.length > 0) parts.push(`re-creates ${listWords(recreated.map((r) => `${r.what} ${r.name}`))}`);
    const dropped = out.removals.filter((r) => !r.replaced && !r.kept && r.what !== "container");
    if (dropped.length > 0) parts.push(`drops ${listWords(dropped.map((r) => `${r.what} ${r.name}`))}`);
    parts.push(...out.sections.safety.filter((f) => f.severity === "disruptive").map((f) => f.text));
    if (parts.length === 0) parts.push(...all.filter((f) => f.severity === "disruptive").slice(0, 2).map((f) => f.text));
    return `DISRUPTIVE: ${parts.join("; ")}`;
  }
  const changes = all.length;
  if (changes === 0) return "SAFE: no changes";
  const live = out.liveChanges.length;
  return `SAFE: no restart, nothing deleted${live > 0 ? ` (${plural(live, "live change")})` : ""}`;
}

/**
 * Reviews one plan: `json` is the parsed output of `pulumi preview --json`. Pure: the same plan
 * always gives the same review. Throws PlanError when `json` is not a reviewable plan.
 */
export function reviewPlan(json: unknown): Review {
  const plan = parsePlan(json);
  const ctx = buildContext(plan);
  const out = new Collector();
  // Order matters: the members' additions and removals claim their containers, volumes and live
  // settings before the per-resource classifiers see what is left.
  classifyMembers(ctx, out);
  classifyContainers(ctx, out);
  classifyVolumes(ctx, out);
  classifyProtection(ctx, out);
  classifyRestore(ctx, out);
  classifyRoles(ctx, out);
  classifyDatabases(ctx, out);
  classifySlots(ctx, out);
  classifyLiveSettings(ctx, out);
  classifySafety(ctx, out);
  classifyRest(ctx, out);

  for (const name of SECTIONS) out.sections[name].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  const all = SECTIONS.flatMap((name) => out.sections[name]);
  const verdict = worst(all.map((f) => f.severity));
  return {
    stack: ctx.stack,
    project: ctx.project,
    verdict,
    exitCode: VERDICT_EXIT_CODES[verdict],
    headline: headline(verdict, out, all),
    sections: out.sections,
    restarts: out.restarts,
    removals: out.removals,
    liveChanges: out.liveChanges,
    counts: counts(ctx, plan),
    ...(verdict === "destructive" ? { acknowledgement: ACKNOWLEDGEMENT } : {}),
  };
}
