import { slotNameFor } from "../../../config/topology";
import type { Collector } from "./collector";
import { containerReasons } from "./containerChanges";
import type { Context, Step } from "./context";
import { CONTAINER, containerKind, dockerName, isCustom, isMemberName, MEMBER_COMPONENT, partLabel, VOLUME, volumeOwner } from "./kinds";
import type { Restart, RestartReason } from "./types";
import { listWords, plural } from "./values";

// Members added and removed, containers restarted, volumes created and deleted, protection.

function stepsOfMember(ctx: Context, member: string): { component?: Step; container?: Step; volume?: Step; live?: Step } {
  const find = (type: string, name: string) => ctx.steps.find((s) => s.type === type && s.name === name);
  return {
    component: find(MEMBER_COMPONENT, member),
    container: ctx.steps.find((s) => s.type === CONTAINER && s.name === member && containerKind(s) === "postgres"),
    volume: find(VOLUME, `${member}-data`),
    live: ctx.steps.find((s) => s.name === `${member}-live-settings`),
  };
}

function bootstrapOf(step: Step | undefined): string | undefined {
  const envs = Array.isArray(step?.newInputs.envs) ? (step?.newInputs.envs as unknown[]).map(String) : [];
  return envs.find((e) => e.startsWith("PGSTACK_BOOTSTRAP="))?.slice("PGSTACK_BOOTSTRAP=".length);
}

function protectionNote(step: Step): string[] {
  if (!step.old?.protect) return [];
  return [`It is protected: Pulumi refuses to delete it and the deploy fails at this step. Unprotect it first only if you mean it: pulumi state unprotect '${step.urn}'.`];
}

/** A new member (its volume and container created) or one removed (its container deleted). */
export function classifyMembers(ctx: Context, out: Collector): void {
  const names = new Set<string>();
  for (const s of ctx.steps) {
    if ((s.type === MEMBER_COMPONENT || (s.type === CONTAINER && containerKind(s) === "postgres")) && isMemberName(s.name)) names.add(s.name);
  }
  const removedCount = ctx.topology.membersBefore.length - ctx.topology.membersAfter.length;
  for (const member of Array.from(names).sort()) {
    const parts = stepsOfMember(ctx, member);
    const steps = [parts.component, parts.container, parts.volume, parts.live].filter((s): s is Step => s !== undefined);
    const created = parts.container?.op === "create" && parts.volume?.op === "create";
    const deleted = parts.container?.op === "delete" || parts.component?.op === "delete";
    if (created) {
      const volume = dockerName(parts.volume as Step);
      const how =
        bootstrapOf(parts.container) === "restore"
          ? "restored from the backups (pgstack:restore)"
          : bootstrapOf(parts.container) === "clone" || member !== ctx.topology.primaryAfter
            ? `filled by a clone of ${ctx.topology.primaryAfter} through slot ${slotNameFor(member)}`
            : "initialised by initdb";
      out.add("data", "safe", `${member} is added: a new data volume ${volume}, ${how}`, steps);
    } else if (deleted) {
      const volumeGone = parts.volume?.op === "delete" && !parts.volume.old?.retainOnDelete;
      const why = removedCount > 0 ? ` by the scale-down to ${plural(ctx.config.replicas, "replica")}` : "";
      const details = [
        `Its container ${parts.container ? dockerName(parts.container) : member} and its live settings are deleted${volumeGone ? "" : "; its data volume is kept"}.`,
        ...(parts.volume && volumeGone ? protectionNote(parts.volume) : []),
      ];
      if (volumeGone) {
        const volume = dockerName(parts.volume as Step);
        out.add("data", "destructive", `${member}'s data volume ${volume} is DELETED: ${member} is removed${why}`, steps, details);
        out.removals.push({ what: "data volume", name: volume, replaced: false, kept: false, urn: (parts.volume as Step).urn });
      } else {
        out.add("data", "disruptive", `${member} is removed${why}`, steps, details);
      }
      if (parts.container) out.removals.push({ what: "container", name: dockerName(parts.container), replaced: false, kept: false, urn: parts.container.urn });
    }
  }
}

function containerLabel(part: string, name: string): string {
  if (part === "backup") return `the backup container ${name}`;
  return `${partLabel(part)}'s container ${name}`;
}

/** Forcing reasons of a restart, as one text: what the group of members restarting shares. */
function signature(reasons: RestartReason[]): string {
  return reasons.filter((r) => r.forcesReplace).map((r) => r.text).join("; ");
}

function restartFindings(ctx: Context, out: Collector, restarts: Restart[]): void {
  const groups = new Map<string, Restart[]>();
  for (const r of restarts) groups.set(signature(r.reasons), [...(groups.get(signature(r.reasons)) ?? []), r]);
  for (const group of groups.values()) {
    const names = group.map((r) => partLabel(r.part));
    const forcing = group[0].reasons.filter((r) => r.forcesReplace);
    const real = forcing.filter((r) => r.real);
    const unreal = forcing.filter((r) => !r.real);
    // A real cause leads; the provider's spellings that also force it follow as details.
    const lead = real.length > 0 ? real : unreal;
    const verb = group.length === 1 ? "restarts" : "restart";
    const cause = lead.length > 2 ? `${lead.length} changes force it (below)` : lead.map((r) => r.text).join("; ");
    const text = `${cause}${real.length === 0 && unreal.length > 0 ? " — still a restart" : ""}: ${listWords(names)} ${verb}`;
    const details: string[] = [...(lead.length > 2 ? lead.map((r) => r.text) : []), ...(real.length > 0 ? unreal.map((r) => `also forces it: ${r.text}`) : [])];
    // Changes that ride along in the new container; the same text for several members is one line.
    const along = new Map<string, string[]>();
    for (const r of group) for (const reason of r.reasons.filter((x) => !x.forcesReplace)) along.set(reason.text, [...(along.get(reason.text) ?? []), r.part]);
    for (const [alongText, parts] of along) details.push(`also: ${alongText}${group.length > 1 ? ` (${listWords(parts)})` : ""}`);
    out.add("restarts", "disruptive", text, group.map((r) => r.urn), details);
  }

  const postgres = restarts.filter((r) => r.kind === "postgres").map((r) => r.part);
  if (postgres.length > 0) {
    const primary = ctx.topology.primaryAfter;
    const staying = ctx.topology.membersAfter.filter((m) => m !== primary && !postgres.includes(m) && ctx.topology.membersBefore.includes(m));
    let text: string;
    if (postgres.includes(primary) && staying.length > 0) {
      text = `writes pause while ${primary} restarts; a failover to ${staying[0]} first keeps writes available (npm run failover -- --stack ${ctx.stack} --force --to ${staying[0]})`;
    } else if (postgres.includes(primary) && postgres.length > 1) {
      text = `${listWords(postgres)} restart in the same deploy, not one at a time: no member is left to take writes, and reads pause too, until they are back (seconds each)`;
    } else if (postgres.includes(primary)) {
      text = `writes pause while ${primary} restarts (a fast shutdown and a start: seconds)`;
    } else {
      text = `reads on ${listWords(postgres)} pause while ${postgres.length === 1 ? "it restarts" : "they restart, in the same deploy, not one at a time"}; writes continue on ${primary}`;
    }
    out.add("restarts", "disruptive", text);
  }
  if (restarts.some((r) => r.kind === "pgbouncer")) {
    out.add("restarts", "disruptive", "PgBouncer's restart drops every client connection through it: clients must reconnect");
  }
  if (restarts.some((r) => r.kind === "backup")) {
    out.add("restarts", "disruptive", "a backup job running when the backup container stops is cut short (the next scheduled run makes it again)");
  }
}

/** Containers replaced (restarts), updated in place, created or deleted outside a member's addition or removal. */
export function classifyContainers(ctx: Context, out: Collector): void {
  const restarts: Restart[] = [];
  for (const step of ctx.steps.filter((s) => s.type === CONTAINER && !out.isExplained(s))) {
    const kind = containerKind(step);
    const name = dockerName(step);
    if (step.op === "replace") {
      restarts.push({ part: step.name, kind, container: name, reasons: containerReasons(ctx, step), urn: step.urn });
    } else if (step.op === "update") {
      const reasons = containerReasons(ctx, step);
      out.add("live", "safe", `${containerLabel(step.name, name)} is updated in place, no restart`, [step], reasons.map((r) => r.text));
    } else if (step.op === "create") {
      out.add("other", "safe", `creates ${containerLabel(step.name, name)}`, [step]);
    } else if (step.op === "delete") {
      out.add("other", "disruptive", `deletes ${containerLabel(step.name, name)}: ${partLabel(step.name)} stops for good`, [step]);
      out.removals.push({ what: "container", name, replaced: false, kept: false, urn: step.urn });
    }
  }
  out.restarts.push(...restarts);
  restartFindings(ctx, out, restarts);
}

/** Data and backup volumes not already explained by a member's addition or removal. */
export function classifyVolumes(ctx: Context, out: Collector): void {
  for (const step of ctx.steps.filter((s) => s.type === VOLUME && !out.isExplained(s))) {
    const owner = volumeOwner(step);
    const name = dockerName(step);
    const what = owner.backups ? "the backup volume" : owner.member ? `${owner.member}'s data volume` : "the volume";
    const contents = owner.backups ? "the WAL archive, base backups and dumps in it" : owner.member ? "its database files" : "its contents";
    const kind = owner.backups ? "backup volume" : owner.member ? "data volume" : "volume";
    if (step.op === "delete") {
      if (step.old?.retainOnDelete) {
        out.add("data", "disruptive", `${what} ${name} leaves the stack but is kept by Docker (retainOnDelete)`, [step]);
        out.removals.push({ what: kind, name, replaced: false, kept: true, urn: step.urn });
        continue;
      }
      const moved = owner.backups && ctx.config.backupHostPath ? [`Backups now go to ${ctx.config.backupHostPath} (pgstack:backup.hostPath): copy what the volume holds there first if you still need it.`] : [];
      out.add("data", "destructive", `${what} ${name} is DELETED: ${contents} are gone for good`, [step], [...moved, ...protectionNote(step)]);
      out.removals.push({ what: kind, name, replaced: false, kept: false, urn: step.urn });
    } else if (step.op === "replace") {
      const why = step.diffReasons.length > 0 ? ` (${step.diffReasons.join(", ")} changed)` : "";
      out.add("data", "destructive", `${what} ${name} is REPLACED${why}: a new empty volume; the old one and ${contents} are deleted`, [step], protectionNote(step));
      out.removals.push({ what: kind, name, replaced: true, kept: false, urn: step.urn });
    } else if (step.op === "create") {
      out.add("data", "safe", `creates ${what} ${name} (empty)`, [step]);
    } else if (step.op === "update") {
      out.add("data", "safe", `${what} ${name} is updated in place (${step.diffReasons.join(", ") || "no property named"})`, [step]);
    }
  }
}

/** Protection turned off or on: Pulumi refuses to delete a protected resource. */
export function classifyProtection(ctx: Context, out: Collector): void {
  const lowered: Step[] = [];
  const raised: Step[] = [];
  for (const step of ctx.steps) {
    if (!step.old || !step.new || !isCustom(step)) continue;
    const before = step.old.protect === true;
    const after = step.new.protect === true;
    if (before && !after) lowered.push(step);
    if (!before && after) raised.push(step);
  }
  const names = (steps: Step[]) => listWords(steps.map((s) => `${s.name} (${dockerName(s)})`));
  if (lowered.length > 0) {
    out.add("safety", "destructive", `protection LOWERED on ${names(lowered)}: pulumi destroy or a scale-down can now delete ${lowered.length === 1 ? "it" : "them"}`, lowered, [
      ctx.config.protectData ? "pgstack:protectData is still true: check why these lose protection." : "pgstack:protectData is now false.",
    ]);
  }
  if (raised.length > 0) {
    out.add("safety", "safe", `protection on for ${names(raised)}: Pulumi now refuses to delete ${raised.length === 1 ? "it" : "them"}`, raised);
  }
}
