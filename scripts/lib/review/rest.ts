import type { Collector } from "./collector";
import type { Context, Step } from "./context";
import { COMMAND, dockerName, isCustom, isDynamic, NETWORK, REMOTE_IMAGE, VOLUME } from "./kinds";
import { changedInputs } from "./objects";
import type { Properties } from "./plan";
import { listWords, plural, show } from "./values";

// The restore, the checks that run after a deploy, secrets, images, the network, and anything the
// review has no special words for: every step of the plan is accounted for somewhere.

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((x) => String((x as Properties)?.name ?? "")).filter(Boolean) : [];
}

export function classifyRestore(ctx: Context, out: Collector): void {
  const source = ctx.config.restore.source;
  const plan = ctx.steps.find((s) => s.type === COMMAND && s.name === "restore-plan");
  const dump = ctx.steps.find((s) => s.type === COMMAND && s.name === "restore-dump");
  const primaryVolume = ctx.steps.find((s) => s.type === VOLUME && s.name === `${ctx.topology.primaryAfter}-data`);
  if (plan && plan.op === "delete") out.add("data", "safe", "pgstack:restore is removed: the restore check leaves the stack (the data stays as it is)", [plan]);
  if (dump && dump.op === "delete") out.add("data", "safe", "the logical restore leaves the stack (the restored data stays)", [dump]);
  if (!source) return;
  const target = ctx.config.restore.dump
    ? `the dump ${show(ctx.config.restore.dump)}`
    : ctx.config.restore.targetTime
      ? `point in time ${show(ctx.config.restore.targetTime)}`
      : "the end of the WAL archive";
  const related = [plan, dump].filter((s): s is Step => s !== undefined && s.op !== "delete" && s.op !== "same");
  if (primaryVolume?.op === "create") {
    out.add("data", "safe", `restore source set: ${ctx.topology.primaryAfter} is rebuilt from the backups in ${show(source)}, to ${target}`, related, [
      "Before anything is created, the restore check reads the source in a throwaway container: a missing or unusable backup stops the deploy there.",
    ]);
  } else if (related.length > 0) {
    out.add("data", "safe", `restore source set (${show(source)}) on a stack whose primary already has data: nothing is restored`, related, [
      "A restore acts only on an empty data volume; the source is mounted read-only and checked.",
    ]);
  }
}

function classifyChecks(ctx: Context, out: Collector): void {
  for (const step of ctx.steps.filter((s) => !out.isExplained(s))) {
    if (isDynamic(step, "StreamingCheck")) {
      if (step.op === "delete") {
        out.add("other", "safe", "the streaming check leaves the stack", [step]);
        continue;
      }
      const now = names(step.newInputs.replicas);
      const before = names(step.oldInputs.replicas);
      const was = step.op !== "create" && before.join() !== now.join() ? ` (was: ${before.length > 0 ? listWords(before) : "none"})` : "";
      const trigger = step.op === "update" && changedInputs(step).includes("trigger") ? "; run again by a new pgstack:verifyTrigger" : "";
      const what = now.length > 0 ? `verifies ${listWords(now)} stream${now.length === 1 ? "s" : ""}` : "has no replica to verify";
      out.add("other", "safe", `after the deploy, the streaming check ${what}${was}${trigger}`, [step]);
    } else if (isDynamic(step, "PrimaryGuard")) {
      const members = names(step.newInputs.members);
      const primary = show(step.newInputs.expectedPrimary ?? ctx.topology.primaryAfter);
      if (step.op === "delete") out.add("other", "safe", "the primary guard leaves the stack", [step]);
      else out.add("other", "safe", `before anything else, the primary guard checks that ${primary} is the running primary${members.length > 0 ? ` (members: ${listWords(members)})` : ""}`, [step]);
    } else if (isDynamic(step, "BackupCatalog")) {
      out.add("other", "safe", `the backup catalog ${step.op === "delete" ? "leaves the stack" : "reads the backup manifest after the deploy (the backups output)"}`, [step]);
    }
  }
}

function classifySecrets(ctx: Context, out: Collector): void {
  const random = ctx.steps.filter((s) => s.type.startsWith("random:") && !out.isExplained(s));
  const created = random.filter((s) => s.op === "create");
  if (created.length > 0) {
    const passwords = created.filter((s) => s.type.endsWith("RandomPassword")).length;
    const salts = created.length - passwords;
    const parts = [...(passwords > 0 ? [plural(passwords, "password")] : []), ...(salts > 0 ? [plural(salts, "random value")] : [])];
    out.add("other", "safe", `generates ${listWords(parts)} (SCRAM salts and the like; secret, not shown)`, created);
  }
  for (const step of random.filter((s) => s.op !== "create")) {
    if (step.op === "replace") {
      const password = step.type.endsWith("RandomPassword");
      out.add(
        "other",
        password ? "disruptive" : "safe",
        password
          ? `${step.name} is generated anew: the password changes and clients using the old one are refused (read the new one from the stack's outputs)`
          : `${step.name} is generated anew: the stored SCRAM verifier changes, the password does not`,
        [step],
      );
      out.removals.push({ what: "secret", name: step.name, replaced: true, kept: false, urn: step.urn });
    } else if (step.op === "delete") {
      out.add("other", "safe", `${step.name} leaves the stack (secret)`, [step]);
    } else if (step.op === "update") {
      out.add("other", "safe", `${step.name} is updated in place (secret, not shown)`, [step]);
    }
  }
}

function opWords(step: Step): string {
  switch (step.op) {
    case "create":
      return "creates";
    case "update":
      return "updates";
    case "replace":
      return "replaces";
    case "delete":
      return "deletes";
    default:
      return step.rawOp;
  }
}

/** Images, the network, providers, unknown resources: one line each, never silent. */
function classifyRemaining(ctx: Context, out: Collector): void {
  for (const step of ctx.steps.filter((s) => !out.isExplained(s) && s.op !== "same" && isCustom(s))) {
    if (step.type === REMOTE_IMAGE) {
      const image = show(step.newInputs.name ?? step.oldInputs.name);
      const was = step.op === "replace" || step.op === "update" ? ` (was ${show(step.oldInputs.name)})` : "";
      out.add("other", "safe", step.op === "delete" ? `image ${image} leaves the stack (kept locally)` : `${step.op === "create" ? "pulls" : "pulls again"} image ${image}${was}`, [step]);
    } else if (step.type === NETWORK) {
      const severity = step.op === "replace" || step.op === "delete" ? "disruptive" : "safe";
      const what = step.op === "replace" ? `the network ${dockerName(step)} is replaced: every container on it is cut off until re-attached` : `${opWords(step)} the network ${dockerName(step)}`;
      out.add("other", severity, what, [step]);
      if (step.op !== "create" && step.op !== "update") out.removals.push({ what: "network", name: dockerName(step), replaced: step.op === "replace", kept: false, urn: step.urn });
    } else if (step.type.startsWith("pulumi:providers:")) {
      out.add("other", "safe", `${opWords(step)} the provider ${step.name} (${step.type.slice("pulumi:providers:".length)})`, [step]);
    } else {
      const severity = step.op === "replace" || step.op === "delete" ? "disruptive" : "safe";
      const reasons = step.diffReasons.length > 0 ? ` (${step.diffReasons.filter((r) => r !== "__provider").join(", ") || "provider code"})` : "";
      out.add("other", severity, `${opWords(step)} ${step.name} (${step.type})${reasons}`, [step]);
      if (step.op === "replace" || step.op === "delete") out.removals.push({ what: "other", name: step.name, replaced: step.op === "replace", kept: false, urn: step.urn });
    }
  }
}

export function classifyRest(ctx: Context, out: Collector): void {
  classifyChecks(ctx, out);
  classifySecrets(ctx, out);
  classifyRemaining(ctx, out);
}
