// The shape of `pulumi preview --json` that the review reads: the top-level config (new values
// only), and one step per resource the engine plans to touch, with the old and new state and the
// provider's diff. Only what the review relies on is typed; anything else is carried along.

/** A property bag as the engine prints it: inputs or outputs of one resource. */
export type Properties = Record<string, unknown>;

/** What the engine stores about one resource (a step's oldState or newState). */
export interface ResourceState {
  urn?: string;
  type?: string;
  custom?: boolean;
  id?: string;
  parent?: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  /** URN of the resource whose deletion makes this one's delete a no-op. */
  deletedWith?: string;
  inputs?: Properties;
  outputs?: Properties;
  dependencies?: string[];
  additionalSecretOutputs?: string[];
}

/** One property's change, keyed in detailedDiff by its path (`cpus`, `healthcheck.startPeriod`, `command[3]`). */
export interface PropertyDiff {
  /** add, delete, update, and their `-replace` forms: the latter force a replacement. */
  kind: string;
  /** True when the new input is compared with the old input; false: with what the provider stored. */
  inputDiff?: boolean;
}

export type StepOp =
  | "same"
  | "create"
  | "update"
  | "delete"
  | "replace"
  | "create-replacement"
  | "delete-replaced"
  | "read"
  | "read-replacement"
  | "refresh"
  | "discard"
  | "discard-replaced"
  | "remove-pending-replace"
  | "import"
  | "import-replacement";

export interface PlanStep {
  op: StepOp | string;
  urn: string;
  oldState?: ResourceState | null;
  newState?: ResourceState | null;
  diffReasons?: string[] | null;
  replaceReasons?: string[] | null;
  detailedDiff?: Record<string, PropertyDiff> | null;
}

export interface PlanDiagnostic {
  urn?: string;
  message?: string;
  severity?: string;
}

export interface PreviewPlan {
  /** The stack's config as the program sees it now (`pgstack:replicas` → "1"). */
  config?: Record<string, string>;
  steps: PlanStep[];
  changeSummary?: Record<string, number>;
  diagnostics?: PlanDiagnostic[];
  duration?: number;
}

/** A plan that cannot be reviewed: not JSON of the expected shape, or a preview that failed. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

/** The engine's placeholder for a value known only once the deploy runs. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** How `pulumi preview --json` prints a secret value. */
export const SECRET = "[secret]";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks that `json` (already parsed) is a preview plan and returns it typed. A preview that failed
 * prints its errors as diagnostics and no steps: that is reported with the errors' text, because a
 * review of an empty plan would wrongly say "safe".
 */
export function parsePlan(json: unknown): PreviewPlan {
  if (!isRecord(json)) throw new PlanError("the plan is not a JSON object (expected the output of `pulumi preview --json`)");
  const errors = Array.isArray(json.diagnostics)
    ? (json.diagnostics as PlanDiagnostic[]).filter((d) => isRecord(d) && d.severity === "error")
    : [];
  if (errors.length > 0 && !Array.isArray(json.steps)) {
    const first = errors.map((d) => String(d.message ?? "").trim()).filter(Boolean).slice(0, 3);
    throw new PlanError(`the preview failed: ${first.join(" / ") || "see pulumi's diagnostics"}`);
  }
  if (!Array.isArray(json.steps)) {
    throw new PlanError("the plan has no `steps` list (expected the output of `pulumi preview --json`)");
  }
  json.steps.forEach((step, i) => {
    if (!isRecord(step) || typeof step.op !== "string" || typeof step.urn !== "string") {
      throw new PlanError(`step ${i} of the plan has no op or urn: not a pulumi preview --json step`);
    }
  });
  if (json.config !== undefined && !isRecord(json.config)) throw new PlanError("the plan's `config` is not an object");
  return json as unknown as PreviewPlan;
}

/** The parts of a URN: `urn:pulumi:<stack>::<project>::<parent types $ ... $ type>::<name>`. */
export interface UrnParts {
  stack: string;
  project: string;
  /** The resource's own type token. */
  type: string;
  /** Types of its ancestors, outermost first (components such as pgstack:cluster:PostgresMember). */
  parentTypes: string[];
  name: string;
}

export function parseUrn(urn: string): UrnParts {
  const parts = urn.split("::");
  const stack = (parts[0] ?? "").replace(/^urn:pulumi:/, "");
  const project = parts[1] ?? "";
  const chain = (parts[2] ?? "").split("$");
  const name = parts.slice(3).join("::");
  return { stack, project, type: chain[chain.length - 1] ?? "", parentTypes: chain.slice(0, -1), name };
}
