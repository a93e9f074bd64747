import { deletionOrder } from "./deleteOrder";
import type { Registration } from "./deployment";
import type { Decision } from "./handlers/types";
import { runProgramWithMocks } from "./programRun";
import { loadState, type StateEntry } from "./state";
import { checkedInputs, decide, registrationOf } from "./up";

// `pulumi preview --json` for the harness: the program runs as for `up`, every resource's step is
// decided the same way (the providers' check and diff), nothing is created, changed or deleted,
// and the plan is printed in the shape the real CLI prints (steps with op, urn, old and new state,
// diffReasons, replaceReasons, detailedDiff), so the same review reads either.

/** The engine's placeholder for a value known only once the deploy runs. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET = "[secret]";

export interface PreviewOptions {
  stack: string;
  stateFile: string;
  config: Record<string, string>;
  programPath: string;
}

interface PlanState {
  urn: string;
  type: string;
  custom: boolean;
  id?: string;
  parent: string;
  protect: boolean;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface PlanStep {
  op: string;
  urn: string;
  oldState: PlanState | null;
  newState: PlanState | null;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff: boolean }>;
}

export interface HarnessPlan {
  config: Record<string, string>;
  steps: PlanStep[];
  changeSummary: Record<string, number>;
  /** A preview that could not finish (the program failed): its error, as the CLI's diagnostics. */
  diagnostics?: { severity: string; message: string; urn?: string }[];
}

/** The top-level properties the program marked secret, masked as the CLI prints them. */
function masked(values: Record<string, unknown>, secretProperties: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secretProperties.has(k) ? SECRET : v]));
}

function planState(entry: { urn: string; type: string; custom: boolean; id?: string; parent: string; protect: boolean }, inputs: Record<string, unknown>, secret: Set<string>, outputs?: Record<string, unknown>): PlanState {
  return { urn: entry.urn, type: entry.type, custom: entry.custom, id: entry.id, parent: entry.parent, protect: entry.protect, inputs: masked(inputs, secret), ...(outputs ? { outputs: masked(outputs, secret) } : {}) };
}

/** detailedDiff as the CLI prints it: each changed property, "-replace" where it forces one. */
function detailedDiff(decision: Decision): Record<string, { kind: string; inputDiff: boolean }> {
  const replacing = new Set(decision.replacing ?? []);
  return Object.fromEntries((decision.changed ?? []).map((k) => [k, { kind: replacing.has(k) ? "update-replace" : "update", inputDiff: false }]));
}

export async function preview(options: PreviewOptions): Promise<HarnessPlan> {
  const state = loadState(options.stateFile, options.stack);
  const steps: PlanStep[] = [];
  const replaced = new Set<string>();
  const registered = new Set<string>();
  let failure: string | undefined;

  const program = await runProgramWithMocks({
    stack: options.stack,
    config: options.config,
    programPath: options.programPath,
    failed: () => failure !== undefined,
    newResource: async (_args, record) => {
      registered.add(record.urn);
      const reg: Registration = registrationOf(record);
      const secret = new Set(reg.secretProperties);
      const old = state.resources[reg.urn];
      if (!reg.custom) {
        steps.push({ op: old ? "same" : "create", urn: reg.urn, oldState: old ? planState(old, {}, secret) : null, newState: planState({ ...reg, id: undefined }, {}, secret) });
        return { id: undefined, state: {} };
      }
      try {
        const inputs = await checkedInputs(reg, old, record.inputs);
        const newState = planState(reg, inputs, secret);
        if (!old) {
          steps.push({ op: "create", urn: reg.urn, oldState: null, newState });
          return { id: UNKNOWN, state: { ...inputs, id: UNKNOWN } };
        }
        const decision = await decide(reg, old, inputs, replaced);
        const oldState = planState(old, old.inputs, secret, old.outputs);
        const diff = decision.kind === "same" ? {} : { diffReasons: decision.changed ?? [], replaceReasons: decision.replacing ?? [], detailedDiff: detailedDiff(decision) };
        if (decision.kind === "replace") {
          replaced.add(reg.urn);
          steps.push({ op: "replace", urn: reg.urn, oldState, newState, ...diff });
          // What the replacement will be is known only once it exists.
          return { id: UNKNOWN, state: { ...inputs, id: UNKNOWN } };
        }
        steps.push({ op: decision.kind, urn: reg.urn, oldState, newState, ...diff });
        return { id: old.id, state: old.outputs };
      } catch (err) {
        failure ??= `${reg.type} "${reg.name}": ${(err as Error).message}`;
        throw err;
      }
    },
  });
  if (program.error) failure ??= `the program failed: ${program.error.message}`;

  const gone: StateEntry[] = Object.values(state.resources).filter((e) => !registered.has(e.urn));
  for (const entry of deletionOrder(gone)) {
    steps.push({ op: "delete", urn: entry.urn, oldState: planState(entry, entry.inputs, new Set(entry.secretProperties ?? []), entry.outputs), newState: null });
  }
  const changeSummary: Record<string, number> = {};
  for (const s of steps) changeSummary[s.op] = (changeSummary[s.op] ?? 0) + 1;
  return { config: options.config, steps, changeSummary, ...(failure ? { diagnostics: [{ severity: "error", message: failure }] } : {}) };
}
