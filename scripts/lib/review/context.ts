import { DEFAULTS } from "../../../config/defaults";
import { memberNames } from "../../../config/topology";
import { parseUrn, type PlanStep, type PreviewPlan, type Properties, type ResourceState } from "./plan";
import { parseConfFile, synchronousCount } from "./settings";

// A plan put in the form the classifier reads: one step per resource (the engine may split a
// replacement into create-replacement and delete-replaced), the stack's config parsed, and the
// cluster's members before and after the change.

export type Op = "create" | "update" | "replace" | "delete" | "same" | "other";

export interface Step {
  op: Op;
  /** The engine's own op, for anything unusual. */
  rawOp: string;
  urn: string;
  type: string;
  parentTypes: string[];
  name: string;
  old?: ResourceState;
  new?: ResourceState;
  oldInputs: Properties;
  newInputs: Properties;
  oldOutputs: Properties;
  diffReasons: string[];
  replaceReasons: string[];
  detailedDiff: Record<string, { kind: string; inputDiff?: boolean }>;
}

/** The stack's pgstack:* config, new values (the plan does not carry the old ones). */
export interface StackConfig {
  replicas: number;
  syncReplicas: number;
  primaryMember: string;
  protectData: boolean;
  postgresql: Record<string, string>;
  restore: { source?: string; targetTime?: string; dump?: string };
  backupHostPath: string;
  /** True when the plan carried pgstack config at all; without it the values are defaults. */
  present: boolean;
}

export interface Topology {
  primaryBefore: string;
  primaryAfter: string;
  membersBefore: string[];
  membersAfter: string[];
  syncBefore?: number;
  syncAfter: number;
}

export interface Context {
  stack: string;
  project: string;
  config: StackConfig;
  steps: Step[];
  byUrn: Map<string, Step>;
  topology: Topology;
}

function normalOp(op: string): Op {
  switch (op) {
    case "create":
    case "update":
    case "delete":
    case "same":
      return op;
    case "replace":
    case "create-replacement":
    case "delete-replaced":
      return "replace";
    case "import":
      return "create";
    default:
      return "other";
  }
}

function record(value: unknown): Properties {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Properties) : {};
}

/** One step per URN: the parts of a replacement are merged into one `replace`. */
export function normalizeSteps(plan: PreviewPlan): Step[] {
  const byUrn = new Map<string, Step>();
  for (const raw of plan.steps as PlanStep[]) {
    const urn = parseUrn(raw.urn);
    const op = normalOp(raw.op);
    const previous = byUrn.get(raw.urn);
    const step: Step = {
      op,
      rawOp: raw.op,
      urn: raw.urn,
      type: raw.newState?.type ?? raw.oldState?.type ?? urn.type,
      parentTypes: urn.parentTypes,
      name: urn.name,
      old: raw.oldState ?? undefined,
      new: raw.newState ?? undefined,
      oldInputs: record(raw.oldState?.inputs),
      newInputs: record(raw.newState?.inputs),
      oldOutputs: record(raw.oldState?.outputs),
      diffReasons: raw.diffReasons ?? [],
      replaceReasons: raw.replaceReasons ?? [],
      detailedDiff: raw.detailedDiff ?? {},
    };
    if (!previous) {
      byUrn.set(raw.urn, step);
      continue;
    }
    // A replacement printed as several steps: keep one, with the old state of the one and the new of the other.
    byUrn.set(raw.urn, {
      ...previous,
      op: previous.op === "replace" || op === "replace" ? "replace" : previous.op,
      old: previous.old ?? step.old,
      new: step.new ?? previous.new,
      oldInputs: Object.keys(previous.oldInputs).length > 0 ? previous.oldInputs : step.oldInputs,
      newInputs: Object.keys(step.newInputs).length > 0 ? step.newInputs : previous.newInputs,
      oldOutputs: Object.keys(previous.oldOutputs).length > 0 ? previous.oldOutputs : step.oldOutputs,
      diffReasons: Array.from(new Set([...previous.diffReasons, ...step.diffReasons])),
      replaceReasons: Array.from(new Set([...previous.replaceReasons, ...step.replaceReasons])),
      detailedDiff: { ...previous.detailedDiff, ...step.detailedDiff },
    });
  }
  return Array.from(byUrn.values());
}

function configValue(plan: PreviewPlan, key: string): string | undefined {
  return plan.config?.[`pgstack:${key}`];
}

function jsonObject(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function integer(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isInteger(n) ? n : fallback;
}

export function stackConfig(plan: PreviewPlan): StackConfig {
  const restore = jsonObject(configValue(plan, "restore"));
  const backup = jsonObject(configValue(plan, "backup"));
  const postgresql = jsonObject(configValue(plan, "postgresql"));
  const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
  return {
    replicas: integer(configValue(plan, "replicas"), DEFAULTS.replicas),
    syncReplicas: integer(configValue(plan, "syncReplicas"), DEFAULTS.syncReplicas),
    primaryMember: configValue(plan, "primaryMember") || DEFAULTS.primaryMember,
    protectData: (configValue(plan, "protectData") ?? String(DEFAULTS.protectData)) === "true",
    postgresql: Object.fromEntries(Object.entries(postgresql).map(([k, v]) => [k, String(v)])),
    restore: { source: str(restore.source), targetTime: str(restore.targetTime), dump: str(restore.dump) },
    backupHostPath: str(backup.hostPath) ?? "",
    present: Object.keys(plan.config ?? {}).some((k) => k.startsWith("pgstack:")),
  };
}

/** Member names of a PrimaryGuard's `members` input. */
function guardMembers(inputs: Properties): string[] | undefined {
  const members = inputs.members;
  if (!Array.isArray(members)) return undefined;
  return members.map((m) => (m && typeof m === "object" ? String((m as Properties).name ?? "") : "")).filter(Boolean);
}

const isDynamic = (step: Step, kind: string) => step.type.startsWith("pulumi-nodejs:dynamic") && step.type.endsWith(`:${kind}`);
const isMemberComponent = (step: Step) => step.type === "pgstack:cluster:PostgresMember";

function liveSync(step: Step | undefined, side: "old" | "new"): number | undefined {
  if (!step) return undefined;
  const stdin = side === "old" ? step.oldInputs.stdin : step.newInputs.stdin;
  if (typeof stdin !== "string") return undefined;
  const settings = parseConfFile(stdin);
  return synchronousCount(settings.synchronous_standby_names);
}

/**
 * The members before and after, and the primary: from the PrimaryGuard's inputs when the plan
 * changes it (it lists every member and names the primary), else from the config and the members
 * the plan adds or removes.
 */
export function topology(steps: Step[], config: StackConfig): Topology {
  const guard = steps.find((s) => isDynamic(s, "PrimaryGuard"));
  const added = steps.filter((s) => isMemberComponent(s) && s.op === "create").map((s) => s.name);
  const removed = steps.filter((s) => isMemberComponent(s) && s.op === "delete").map((s) => s.name);
  const membersAfter = (guard && guardMembers(guard.newInputs)) ?? memberNames(config.replicas);
  const membersBefore =
    (guard && guard.op !== "create" && guardMembers(guard.oldInputs)) ||
    [...membersAfter.filter((m) => !added.includes(m)), ...removed.filter((m) => !membersAfter.includes(m))];
  const primaryAfter = typeof guard?.newInputs.expectedPrimary === "string" ? guard.newInputs.expectedPrimary : config.primaryMember;
  const primaryBefore = typeof guard?.oldInputs.expectedPrimary === "string" ? guard.oldInputs.expectedPrimary : primaryAfter;
  const primaryLive = steps.find((s) => s.name === `${primaryAfter}-live-settings`) ?? steps.find((s) => s.name.endsWith("-live-settings") && !s.name.startsWith("pgbouncer"));
  return {
    primaryBefore,
    primaryAfter,
    membersBefore,
    membersAfter,
    syncBefore: primaryLive && primaryLive.op !== "create" ? liveSync(primaryLive, "old") : undefined,
    syncAfter: config.present ? config.syncReplicas : liveSync(primaryLive, "new") ?? config.syncReplicas,
  };
}

export function buildContext(plan: PreviewPlan): Context {
  const steps = normalizeSteps(plan);
  const config = stackConfig(plan);
  const first = plan.steps[0] ? parseUrn(plan.steps[0].urn) : { stack: "", project: "" };
  return {
    stack: first.stack,
    project: first.project,
    config,
    steps,
    byUrn: new Map(steps.map((s) => [s.urn, s])),
    topology: topology(steps, config),
  };
}
