import type { Collector } from "./collector";
import { replacedDependencies } from "./containerChanges";
import type { Context, Step } from "./context";
import { CONTAINER, isDynamic, memberOf } from "./kinds";
import type { Properties } from "./plan";
import { isSensitiveName, listWords, sameValue, show } from "./values";

// Roles, the database and replication slots: the objects pgstack keeps inside PostgreSQL.

/** Input keys whose values differ, without the provider's own code and connection secrets. */
export function changedInputs(step: Step): string[] {
  const keys = new Set([...Object.keys(step.oldInputs), ...Object.keys(step.newInputs)]);
  return Array.from(keys)
    .filter((k) => k !== "__provider" && !k.startsWith("__"))
    .filter((k) => !sameValue(step.oldInputs[k], step.newInputs[k]))
    .sort();
}

function providerCodeChanged(step: Step): boolean {
  return step.oldInputs.__provider !== undefined && !sameValue(step.oldInputs.__provider, step.newInputs.__provider);
}

function change(step: Step, key: string): string {
  if (isSensitiveName(key)) return `${key} changed (secret, not shown)`;
  return `${key} ${show(step.oldInputs[key], key)} → ${show(step.newInputs[key], key)}`;
}

/** Why the engine re-creates something whose own inputs may not have changed. */
function replaceCause(ctx: Context, step: Step): string {
  if (step.replaceReasons.length > 0) return `${listWords(step.replaceReasons)} changed`;
  const deps = replacedDependencies(ctx, step);
  const containers = deps.filter((d) => d.type === CONTAINER).map((d) => d.name);
  if (containers.length > 0) {
    const which = `the ${listWords(containers)} container${containers.length > 1 ? "s are" : " is"}`;
    return `${which} replaced (delete-before-replace) and the engine re-creates what depends on ${containers.length > 1 ? "them" : "it"}`;
  }
  if (deps.length > 0) return `${listWords(deps.map((d) => d.name))}, which it depends on, is replaced`;
  const inputs = changedInputs(step);
  return inputs.length > 0 ? `${listWords(inputs)} changed` : "the plan names no changed property";
}

/** When the engine will not call delete: the drop does not happen, the create adopts what exists. */
function skippedDelete(ctx: Context, step: Step): string | undefined {
  if (step.old?.retainOnDelete) return "Pulumi skips the old one's delete (retainOnDelete): PostgreSQL keeps it, and the create adopts one of the same name if there is one.";
  const withUrn = step.old?.deletedWith;
  const target = withUrn ? ctx.byUrn.get(withUrn) : undefined;
  if (target && (target.op === "replace" || target.op === "delete")) {
    return `Pulumi skips the old one's delete (deletedWith the ${target.name} container, which is ${target.op === "replace" ? "replaced" : "deleted"} in the same deploy): PostgreSQL keeps it, and the create adopts one of the same name if there is one.`;
  }
  return undefined;
}

function roleWords(inputs: Properties): string {
  const attrs = [inputs.login === true ? "login" : "nologin", ...(inputs.replication === true ? ["replication"] : [])];
  const groups = Array.isArray(inputs.inRoles) && inputs.inRoles.length > 0 ? `, member of ${inputs.inRoles.join(", ")}` : "";
  return `${attrs.join(", ")}${groups}`;
}

const nameOf = (step: Step, key: string) => show(step.newInputs[key] ?? step.oldInputs[key] ?? step.oldOutputs[key] ?? step.name, key);

export function classifyRoles(ctx: Context, out: Collector): void {
  // Roles re-created for the same reason are one finding: usually all of them, after the primary's container.
  const recreated = new Map<string, { cause: string; skipped?: string; roles: string[]; steps: Step[] }>();
  for (const step of ctx.steps.filter((s) => isDynamic(s, "PostgresRole"))) {
    const role = nameOf(step, "roleName");
    if (step.op === "create") {
      out.add("objects", "safe", `creates role ${role} (${roleWords(step.newInputs)})`, [step]);
    } else if (step.op === "replace") {
      const before = typeof step.oldInputs.roleName === "string" ? show(step.oldInputs.roleName) : role;
      const label = before !== role ? `${before} (as ${role})` : role;
      const cause = replaceCause(ctx, step);
      const skipped = skippedDelete(ctx, step);
      const key = `${cause}|${skipped ?? ""}`;
      const entry = recreated.get(key) ?? { cause, skipped, roles: [], steps: [] };
      entry.roles.push(label);
      entry.steps.push(step);
      recreated.set(key, entry);
      out.removals.push({ what: "role", name: role, replaced: true, kept: skipped !== undefined, urn: step.urn });
    } else if (step.op === "delete") {
      const skipped = skippedDelete(ctx, step);
      out.add(
        "objects",
        skipped ? "safe" : "disruptive",
        skipped ? `role ${role} leaves the stack; it stays in PostgreSQL` : `role ${role} is DROPPED (refused while it owns objects or holds privileges)`,
        [step],
        skipped ? [skipped] : [],
      );
      out.removals.push({ what: "role", name: role, replaced: false, kept: skipped !== undefined, urn: step.urn });
    } else if (step.op === "update") {
      const keys = changedInputs(step);
      const renamed = keys.includes("roleName");
      const password = keys.includes("passwordVerifier");
      const details = keys.map((k) => change(step, k));
      if (providerCodeChanged(step)) details.push("its provider's code changed (nothing changes on the server for that)");
      const what = renamed
        ? `role ${show(step.oldInputs.roleName)} is renamed to ${role}: clients must log in with the new name`
        : password
          ? `role ${role}'s password changes: clients using the old one are refused`
          : `role ${role} is updated in place (${keys.length > 0 ? listWords(keys) : "provider code only"})`;
      out.add("objects", renamed || password ? "disruptive" : "safe", what, [step], details);
    }
  }
  for (const { cause, skipped, roles, steps } of recreated.values()) {
    const subject = roles.length === 1 ? `role ${roles[0]} is` : `roles ${listWords(roles)} are`;
    const how = skipped ? "" : " (dropped and created again, privileges re-granted)";
    out.add("objects", "disruptive", `${subject} RE-CREATED${how}: ${cause}`, steps, [
      skipped ?? "Grants made outside pgstack are lost; dropping a role that still owns objects is refused and the deploy stops there.",
    ]);
  }
}

export function classifyDatabases(ctx: Context, out: Collector): void {
  for (const step of ctx.steps.filter((s) => isDynamic(s, "PostgresDatabase"))) {
    const db = nameOf(step, "databaseName");
    if (step.op === "create") {
      out.add("objects", "safe", `creates database ${db} (owner ${show(step.newInputs.owner)})`, [step]);
    } else if (step.op === "replace") {
      out.add("objects", "disruptive", `database ${db} is RE-CREATED in the stack: ${replaceCause(ctx, step)}`, [step], [
        "pgstack never drops a database (its delete does nothing): the create adopts the existing one and no data is lost.",
      ]);
      out.removals.push({ what: "database", name: db, replaced: true, kept: true, urn: step.urn });
    } else if (step.op === "delete") {
      out.add("objects", "safe", `database ${db} leaves the stack; pgstack never drops a database, so it stays`, [step]);
      out.removals.push({ what: "database", name: db, replaced: false, kept: true, urn: step.urn });
    } else if (step.op === "update") {
      const keys = changedInputs(step);
      const owner = keys.includes("owner");
      out.add(
        "objects",
        "safe",
        owner ? `database ${db} changes owner: ${show(step.oldInputs.owner)} → ${show(step.newInputs.owner)}` : `database ${db} is updated in place (${listWords(keys) || "provider code only"})`,
        [step],
        keys.filter((k) => k !== "owner").map((k) => change(step, k)),
      );
    }
  }
}

/** Who streams through a slot after this deploy, in words, and whether that is a problem. */
function slotUse(ctx: Context, member: string | undefined): { text: string; stillUsed: boolean } {
  if (!member) return { text: "which replica used it is not known from its name", stillUsed: false };
  const container = ctx.steps.find((s) => s.type === CONTAINER && s.name === member);
  if (container?.op === "delete" || !ctx.topology.membersAfter.includes(member)) {
    return { text: `${member} is removed in the same deploy: no replica uses it afterwards`, stillUsed: false };
  }
  if (member === ctx.topology.primaryAfter) return { text: `${member} is the primary now and streams from no slot`, stillUsed: false };
  return {
    text: `${member} is still a replica and streams through it: without it the primary may recycle WAL ${member} still needs (it then falls back on the WAL archive)`,
    stillUsed: true,
  };
}

export function classifySlots(ctx: Context, out: Collector): void {
  for (const step of ctx.steps.filter((s) => isDynamic(s, "ReplicationSlot"))) {
    const slot = nameOf(step, "slotName");
    const member = memberOf(step, "-slot");
    const where = `${show(step.newInputs.host ?? step.oldInputs.host)}:${show(step.newInputs.port ?? step.oldInputs.port)}`;
    if (step.op === "create") {
      const now = member && member === ctx.topology.primaryBefore && member !== ctx.topology.primaryAfter ? " (a replica now)" : "";
      out.add("objects", "safe", `creates slot ${slot} for ${member ?? "a replica"}${now} (it reserves WAL from the start)`, [step]);
    } else if (step.op === "delete") {
      const use = slotUse(ctx, member);
      const last = step.oldOutputs.active === true ? [`It was active when last read (walStatus ${show(step.oldOutputs.walStatus)}).`] : [];
      out.add("objects", "disruptive", `slot ${slot} is DROPPED: ${use.text}`, [step], last);
      if (use.stillUsed) out.add("safety", "disruptive", `${member} loses its replication slot ${slot} but stays a replica`, [step]);
      out.removals.push({ what: "slot", name: slot, replaced: false, kept: false, urn: step.urn });
    } else if (step.op === "replace") {
      out.add("objects", "disruptive", `slot ${slot} is RE-CREATED (dropped, then created empty): ${replaceCause(ctx, step)}`, [step], [
        `${member ?? "Its replica"} reconnects through the new slot; WAL it had not received when the old one was dropped comes from the archive.`,
      ]);
      out.removals.push({ what: "slot", name: slot, replaced: true, kept: false, urn: step.urn });
    } else if (step.op === "update") {
      const keys = changedInputs(step);
      const moved = keys.includes("port") || keys.includes("host");
      const details = keys.map((k) => change(step, k));
      out.add("objects", "safe", moved ? `slot ${slot} is ensured on ${where}, where the primary is now` : `slot ${slot} is updated in place (${listWords(keys) || "provider code only"})`, [step], details);
    }
  }
}
