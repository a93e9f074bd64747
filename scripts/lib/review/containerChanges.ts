import { requiresRestart } from "../../../config/postgresSettingContext";
import type { Context, Step } from "./context";
import { commandWithoutSettings, diffSettings, durationSeconds, parseCommandSettings } from "./settings";
import type { RestartReason } from "./types";
import { containsUnknown, isSensitiveName, sameValue, show, topProperty, valueAt } from "./values";

// Why a container is replaced or updated, property by property, in words. The docker provider
// diffs the program's new inputs against what it stored (inputDiff false), so a value the program
// did not change can still differ from the stored spelling ("1" against "1.0"): such a reason is
// named as what it is, the provider's canonical form, and still counted, because the engine will
// still replace the container.

interface PathDiff {
  path: string;
  kind: string;
  inputDiff?: boolean;
}

function diffPaths(step: Step): PathDiff[] {
  const detailed = Object.entries(step.detailedDiff).map(([path, d]) => ({ path, kind: d.kind, inputDiff: d.inputDiff }));
  if (detailed.length > 0) return detailed;
  // No detailed diff: the reasons name top-level properties; whether each forces a replacement is in replaceReasons.
  return step.diffReasons.map((path) => ({ path, kind: step.replaceReasons.includes(path) ? "update-replace" : "update" }));
}

const forcing = (d: PathDiff, step: Step) => d.kind.endsWith("-replace") || step.replaceReasons.includes(topProperty(d.path));

/** The old value the provider compares with: its stored output, or the old input. */
function oldValue(step: Step, d: PathDiff): unknown {
  if (d.inputDiff === false) {
    const stored = valueAt(step.oldOutputs, d.path);
    if (stored !== undefined) return stored;
  }
  return valueAt(step.oldInputs, d.path);
}

/** True when the program passed the same value both times: only the provider's stored form differs. */
function programUnchanged(step: Step, d: PathDiff): boolean {
  return d.inputDiff === false && Object.keys(step.oldInputs).length > 0 && sameValue(valueAt(step.oldInputs, d.path), valueAt(step.newInputs, d.path));
}

function commandReasons(step: Step, forces: boolean): RestartReason[] {
  const before = step.oldInputs.command ?? step.oldOutputs.command;
  const after = step.newInputs.command;
  const reasons: RestartReason[] = [];
  for (const change of diffSettings(parseCommandSettings(before), parseCommandSettings(after))) {
    const values = `${show(change.from , change.name)} → ${show(change.to , change.name)}`;
    const why = requiresRestart(change.name) ? "needs a restart" : "is passed on the container's command, so it restarts too";
    reasons.push({ property: "command", text: `${change.name} ${values} ${why}`, real: true, forcesReplace: forces });
  }
  const restBefore = commandWithoutSettings(before);
  const restAfter = commandWithoutSettings(after);
  if (!sameValue(restBefore, restAfter)) {
    reasons.push({ property: "command", text: `command ${show(restBefore.join(" "))} → ${show(restAfter.join(" "))}`, real: true, forcesReplace: forces });
  }
  if (reasons.length === 0 && !sameValue(before, after)) {
    reasons.push({ property: "command", text: "command changed", real: true, forcesReplace: forces });
  }
  return reasons;
}

function uploadsReason(ctx: Context, step: Step, forces: boolean): RestartReason {
  // The plan masks every upload (some hold credentials), so which file changed is not visible. The
  // config names the settings the stack sets; one that needs a restart lives in postgresql.conf.
  const restartOnes = Object.entries(ctx.config.postgresql).filter(([name]) => requiresRestart(name));
  const isPostgres = /^(primary|replica-\d+)$/.test(step.name);
  const masked = "the plan masks uploads because some are secret";
  const membersChanged = ctx.topology.membersBefore.join() !== ctx.topology.membersAfter.join();
  const text =
    isPostgres && restartOnes.length > 0
      ? `uploaded files changed — probably ${restartOnes.map(([n, v]) => `${n} = ${show(v, n)}`).join(", ")} (set in pgstack:postgresql, needs a restart, written to postgresql.conf; ${masked})`
      : step.name === "backup" && membersChanged
        ? `uploaded files changed — probably backup.env, which lists the members (${masked})`
        : `uploaded files changed (postgresql.conf, pg_hba.conf, scripts or credentials; ${masked})`;
  return { property: "uploads", text, real: true, forcesReplace: forces };
}

function envReasons(step: Step, forces: boolean): RestartReason[] {
  const asMap = (list: unknown) =>
    new Map(
      (Array.isArray(list) ? list : []).map(String).map((e) => {
        const eq = e.indexOf("=");
        return eq < 0 ? [e, ""] : [e.slice(0, eq), e.slice(eq + 1)];
      }),
    );
  const before = asMap(step.oldInputs.envs ?? step.oldOutputs.envs);
  const after = asMap(step.newInputs.envs);
  const names = Array.from(new Set([...before.keys(), ...after.keys()])).sort();
  return names
    .filter((n) => before.get(n) !== after.get(n))
    .map((n) => ({
      property: "envs",
      text: `environment ${n} ${show(before.get(n) , n)} → ${show(after.get(n) , n)}`,
      real: true,
      forcesReplace: forces,
    }));
}

interface Mount {
  containerPath: string;
  source: string;
  readOnly: boolean;
}

function mounts(list: unknown): Map<string, Mount> {
  const result = new Map<string, Mount>();
  for (const v of Array.isArray(list) ? (list as Record<string, unknown>[]) : []) {
    if (!v || typeof v.containerPath !== "string") continue;
    const source = typeof v.volumeName === "string" && v.volumeName ? `volume ${show(v.volumeName)}` : typeof v.hostPath === "string" && v.hostPath ? `host directory ${show(v.hostPath)}` : "nothing";
    result.set(v.containerPath, { containerPath: v.containerPath, source, readOnly: v.readOnly === true });
  }
  return result;
}

/** Mounts compared by where they appear in the container, whatever their order in the list. */
function volumeReasons(step: Step, forces: boolean): RestartReason[] {
  const before = mounts(step.oldInputs.volumes ?? step.oldOutputs.volumes);
  const after = mounts(step.newInputs.volumes);
  const words = (m: Mount) => `${m.source}${m.readOnly ? " (read-only)" : ""}`;
  const reasons: RestartReason[] = [];
  for (const path of Array.from(new Set([...before.keys(), ...after.keys()])).sort()) {
    const a = before.get(path);
    const b = after.get(path);
    if (a && b && words(a) === words(b)) continue;
    const text = !a ? `new mount at ${path}: ${words(b as Mount)}` : !b ? `mount at ${path} removed (was ${words(a)})` : `mount at ${path}: ${words(a)} → ${words(b)}`;
    reasons.push({ property: "volumes", text, real: true, forcesReplace: forces });
  }
  if (reasons.length === 0 && !sameValue(step.oldInputs.volumes, step.newInputs.volumes)) {
    reasons.push({ property: "volumes", text: "mounts changed", real: true, forcesReplace: forces });
  }
  return reasons;
}

function valueReason(step: Step, d: PathDiff, forces: boolean): RestartReason {
  const after = valueAt(step.newInputs, d.path);
  // A value the program changed is shown as the program had it; one it did not change, as the
  // provider stored it (that is what differs).
  const programBefore = valueAt(step.oldInputs, d.path);
  const before = Object.keys(step.oldInputs).length > 0 && !sameValue(programBefore, after) ? programBefore : oldValue(step, d);
  const top = topProperty(d.path);
  const values = `${show(before, d.path, { quote: true })} → ${show(after, d.path, { quote: true })}`;
  if (top === "image" && containsUnknown(after)) {
    return { property: d.path, text: "image: a new image id, known once it is pulled (the image changed)", real: true, forcesReplace: forces };
  }
  if (top === "cpus" && before !== undefined && after !== undefined && Number(before) === Number(after)) {
    return { property: d.path, text: `cpus ${values}: the provider's canonical form, not a real change`, real: false, forcesReplace: forces };
  }
  const seconds = [durationSeconds(before), durationSeconds(after)];
  if (seconds[0] !== undefined && seconds[0] === seconds[1]) {
    return { property: d.path, text: `${d.path} ${values}: the same duration in the provider's canonical form, not a real change`, real: false, forcesReplace: forces };
  }
  if (d.kind.startsWith("delete") && after === undefined && d.inputDiff === false && programUnchanged(step, d)) {
    return { property: d.path, text: `${d.path} ${values}: a value Docker derived and the provider read back, not one the program sets; not a real change`, real: false, forcesReplace: forces };
  }
  if (programUnchanged(step, d)) {
    return { property: d.path, text: `${d.path} ${values}: the program's value is unchanged, the provider stored it differently`, real: false, forcesReplace: forces };
  }
  const shown = isSensitiveName(d.path) ? `${d.path} changed (secret, not shown)` : `${d.path} ${values}`;
  return { property: d.path, text: shown, real: true, forcesReplace: forces };
}

/** Replaced resources this one depends on: why the engine replaces it when none of its own inputs changed. */
export function replacedDependencies(ctx: Context, step: Step): Step[] {
  const deps = step.new?.dependencies ?? step.old?.dependencies ?? [];
  return deps.map((urn) => ctx.byUrn.get(urn)).filter((d): d is Step => d !== undefined && d.op === "replace");
}

/** Each changed property of a container's step, explained; forcing reasons first. */
export function containerReasons(ctx: Context, step: Step): RestartReason[] {
  const reasons: RestartReason[] = [];
  const done = new Set<string>();
  for (const d of diffPaths(step)) {
    const top = topProperty(d.path);
    const forces = forcing(d, step);
    if (top === "command" || top === "uploads" || top === "envs" || top === "volumes") {
      if (done.has(top)) continue;
      done.add(top);
      if (top === "command") reasons.push(...commandReasons(step, forces));
      else if (top === "uploads") reasons.push(uploadsReason(ctx, step, forces));
      else if (top === "volumes") reasons.push(...volumeReasons(step, forces));
      else reasons.push(...envReasons(step, forces));
      continue;
    }
    reasons.push(valueReason(step, d, forces));
  }
  if (reasons.length === 0 && step.op === "replace") {
    const deps = replacedDependencies(ctx, step).map((d) => d.name);
    reasons.push({
      property: "(dependency)",
      text: deps.length > 0 ? `replaced because ${deps.join(", ")}, which it depends on, is replaced` : "replaced; the plan names no changed property",
      real: true,
      forcesReplace: true,
    });
  }
  return reasons.sort((a, b) => Number(b.forcesReplace) - Number(a.forcesReplace));
}
