import type { Collector } from "./collector";
import type { Context, Step } from "./context";
import { COMMAND, memberOf } from "./kinds";
import { diffSettings, parseConfFile, parseConnString, parsePgbouncerIni, type SettingChange } from "./settings";
import { containsSecret, containsUnknown, listWords, safeValue, show } from "./values";

// Settings applied without a restart: each member's pgstack.live.conf (reloaded) and PgBouncer's
// live ini (re-read on SIGHUP). The rendered text is the command's stdin, so the plan shows it.

/** `a → b` for a setting; for connection strings only the fields that differ. */
function changeWords(c: SettingChange): string {
  if (c.from && c.to && /\w=\S/.test(c.from) && /\w=\S/.test(c.to)) {
    const a = parseConnString(c.from);
    const b = parseConnString(c.to);
    const fields = Array.from(new Set([...Object.keys(a), ...Object.keys(b)])).filter((k) => a[k] !== b[k]);
    if (fields.length > 0 && Object.keys(a).length > 1) {
      return `${c.name} ${fields.map((k) => `${k}=${show(a[k] , k)}`).join(" ")} → ${fields.map((k) => `${k}=${show(b[k] , k)}`).join(" ")}`;
    }
  }
  return `${c.name} ${show(c.from, c.name)} → ${show(c.to, c.name)}`;
}

/** The stdin texts of a step, when both are readable (not secret, not unknown). */
function texts(step: Step): { before?: string; after?: string; readable: boolean } {
  const before = typeof step.oldInputs.stdin === "string" ? step.oldInputs.stdin : undefined;
  const after = typeof step.newInputs.stdin === "string" ? step.newInputs.stdin : undefined;
  const readable = [before, after].every((t) => t === undefined || (!containsSecret(t) && !containsUnknown(t)));
  return { before, after, readable };
}

function memberLiveSettings(ctx: Context, out: Collector): void {
  const steps = ctx.steps.filter((s) => s.type === COMMAND && memberOf(s, "-live-settings") && !s.name.startsWith("pgbouncer") && !out.isExplained(s));
  // The same change on several members is one line.
  const byChange = new Map<string, { text: string; members: string[]; steps: Step[] }>();
  const reapplied: Step[] = [];
  const written: Step[] = [];
  for (const step of steps) {
    const member = memberOf(step, "-live-settings") as string;
    const { before, after, readable } = texts(step);
    if (step.op === "create") {
      written.push(step);
      continue;
    }
    if (step.op === "delete") {
      out.add("live", "safe", `${member}'s live settings leave the stack (nothing is reloaded)`, [step]);
      continue;
    }
    if (!readable) {
      out.add("live", "safe", `${member}'s live settings change (their text is not known before the deploy)`, [step]);
      continue;
    }
    const changes = diffSettings(parseConfFile(before ?? ""), parseConfFile(after ?? ""));
    if (changes.length === 0) {
      reapplied.push(step);
      continue;
    }
    for (const c of changes) {
      out.liveChanges.push({ target: member, name: c.name, from: safeValue(c.from, c.name), to: safeValue(c.to, c.name) });
      const text = changeWords(c);
      const entry = byChange.get(text) ?? { text, members: [], steps: [] };
      entry.members.push(member);
      entry.steps.push(step);
      byChange.set(text, entry);
    }
  }
  for (const entry of byChange.values()) {
    out.add("live", "safe", `${entry.text} (${listWords(entry.members)}; reload, no restart)`, entry.steps);
  }
  if (reapplied.length > 0) {
    const members = reapplied.map((s) => memberOf(s, "-live-settings") as string);
    out.add("live", "safe", `live settings of ${listWords(members)} are applied again, unchanged (their trigger is the container's id, which a replacement changes)`, reapplied);
  }
  if (written.length > 0) {
    const members = written.map((s) => memberOf(s, "-live-settings") as string);
    out.add("live", "safe", `live settings written for ${listWords(members)} (pgstack.live.conf)`, written);
  }
}

function pgbouncerLiveSettings(out: Collector, step: Step): void {
  const { before, after, readable } = texts(step);
  if (step.op === "create") {
    const ini = parsePgbouncerIni(readable ? after ?? "" : "");
    const dbs = Object.entries(ini.databases).map(([db, target]) => `${db} → ${show(parseConnString(target).host ?? target)}`);
    out.add("live", "safe", `PgBouncer's pools and databases are written${dbs.length > 0 ? `: ${dbs.join(", ")}` : ""}`, [step]);
    return;
  }
  if (step.op === "delete") {
    out.add("live", "safe", "PgBouncer's live settings leave the stack", [step]);
    return;
  }
  if (!readable) {
    out.add("live", "safe", "PgBouncer's pools or databases change (not known before the deploy)", [step]);
    return;
  }
  const a = parsePgbouncerIni(before ?? "");
  const b = parsePgbouncerIni(after ?? "");
  const changes = [
    ...diffSettings(a.settings, b.settings).map((c) => ({ ...c, label: `PgBouncer ${changeWords(c)}` })),
    ...diffSettings(a.databases, b.databases).map((c) => ({ ...c, label: `PgBouncer database ${changeWords(c)}` })),
  ];
  if (changes.length === 0) {
    out.add("live", "safe", "PgBouncer's live settings are applied again, unchanged", [step]);
    return;
  }
  for (const c of changes) {
    out.liveChanges.push({ target: "pgbouncer", name: c.name, from: safeValue(c.from, c.name), to: safeValue(c.to, c.name) });
    out.add("live", "safe", `${c.label} (PgBouncer re-reads it: no restart, clients stay connected)`, [step]);
  }
}

export function classifyLiveSettings(ctx: Context, out: Collector): void {
  memberLiveSettings(ctx, out);
  for (const step of ctx.steps.filter((s) => s.type === COMMAND && !out.isExplained(s))) {
    if (step.name === "pgbouncer-live-settings") pgbouncerLiveSettings(out, step);
    else if (step.name === "pgbouncer-userlist") {
      const verb = step.op === "create" ? "is written" : step.op === "delete" ? "leaves the stack" : "changes and is re-read";
      out.add("live", "safe", `PgBouncer's userlist ${verb} (its content is secret: not shown)`, [step]);
    }
  }
}
