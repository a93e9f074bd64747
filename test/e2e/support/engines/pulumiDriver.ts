import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import type { ResourceRef, Step, StepOp } from "../../harness/result";
import { REPO_ROOT } from "../buildHarness";
import type { DeployResult, DeployRun, GraphResource, StackDriver, StateResource } from "./types";

// A stack deployed by the real Pulumi CLI, through the Automation API, exactly as a user runs the
// project (Pulumi.yaml, index.ts through ts-node) — on a local file backend in a temporary
// directory, with passphrase secrets. The CLI writes a stack's settings to Pulumi.<stack>.yaml
// next to Pulumi.yaml, so each stack gets its own view of the project (a directory of symbolic
// links to the repository's files, without its stack files): the repository is never written to.

/** Repository entries a project view leaves out: git, other stacks' files, local state and tools. */
const NOT_IN_VIEW = /^(\.git|\.pulumi-local|\.test-results|\.tools|Pulumi\..+\.yaml)$/;

/** A step of the engine's, as the e2e suite reports steps (one per resource; a replacement is one step). */
function stepOp(op: string): StepOp | undefined {
  switch (op) {
    case "same":
    case "create":
    case "update":
    case "delete":
      return op;
    case "replace":
    case "create-replacement":
    case "delete-replaced":
    case "discard-replaced":
      return "replace";
    default:
      return undefined; // read, refresh, import, remove-pending-replace: not steps of a deploy here
  }
}

/** A resource named by its URN: `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`. */
function refOfUrn(urn: string): ResourceRef {
  const parts = urn.split("::");
  return { urn, type: (parts[parts.length - 2] ?? "").split("$").pop() ?? "", name: parts[parts.length - 1] ?? urn };
}

/** Turns the engine's events into the suite's steps, with durations and the first failure. */
class StepRecorder {
  private readonly steps = new Map<string, Step & { startedAt: number }>();
  failure?: { message: string; resource?: ResourceRef };
  private readonly errors: { urn?: string; message: string }[] = [];
  /** When the engine's last event arrived: the end of its command, before the outputs are read. */
  lastEventAt?: number;

  readonly onEvent = (event: EngineEvent): void => {
    const now = Date.now();
    this.lastEventAt = now;
    const pre = event.resourcePreEvent?.metadata;
    const done = event.resOutputsEvent?.metadata;
    const failed = event.resOpFailedEvent?.metadata;
    for (const meta of [pre, done, failed]) {
      if (!meta || meta.type === "pulumi:pulumi:Stack" || meta.type.startsWith("pulumi:providers:")) continue;
      // Components are not steps (the engine omits `custom` when it is false).
      if ((meta.new ?? meta.old)?.custom !== true) continue;
      const op = meta === failed ? "failed" : stepOp(meta.op);
      if (!op) continue;
      const existing = this.steps.get(meta.urn);
      const step = existing ?? { ...refOfUrn(meta.urn), op, durationMs: 0, startedAt: now };
      if (op === "failed" || step.op !== "replace") step.op = op;
      step.durationMs = now - step.startedAt;
      const keys = op === "replace" ? meta.keys : op === "update" ? meta.diffs : undefined;
      if (keys && keys.length > 0) step.detail = `changed: ${keys.join(", ")}`;
      this.steps.set(meta.urn, step);
    }
    const diag = event.diagnosticEvent;
    if (diag && diag.severity === "error") this.errors.push({ urn: diag.urn, message: diag.message.replace(/^error:\s*/, "").trim() });
  };

  list(): Step[] {
    return [...this.steps.values()].map((step) => ({ ...step, endedAt: step.startedAt + step.durationMs }));
  }

  /** The first error the engine reported about a resource, or else its first error at all. */
  firstFailure(fallback: string): { message: string; resource?: ResourceRef } {
    const aboutResource = this.errors.find((e) => e.urn && !e.urn.includes("pulumi:pulumi:Stack"));
    const first = aboutResource ?? this.errors[0];
    if (!first) return { message: fallback };
    return { message: first.message, resource: first.urn ? refOfUrn(first.urn) : undefined };
  }
}

/** A `pulumi stack export --show-secrets` value with its secret wrappers removed. */
function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") {
      return "plaintext" in o ? unwrap(JSON.parse(String(o.plaintext))) : unwrap(o.value);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

/** A config value as a stack file holds it: objects structured, everything else a string. */
function yamlValue(value: string): unknown {
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

export class PulumiDriver implements StackDriver {
  readonly engine = "pulumi" as const;
  private readonly dir: string;
  private readonly projectDir: string;
  private readonly envVars: Record<string, string>;
  private stackHandle?: Promise<Stack>;

  constructor(private readonly stackName: string) {
    this.dir = mkdtempSync(path.join(tmpdir(), `pgstack-e2e-${stackName}-`));
    this.projectDir = path.join(this.dir, "project");
    mkdirSync(this.projectDir);
    for (const entry of readdirSync(REPO_ROOT)) {
      if (!NOT_IN_VIEW.test(entry)) symlinkSync(path.join(REPO_ROOT, entry), path.join(this.projectDir, entry));
    }
    const backend = path.join(this.dir, "state");
    mkdirSync(backend);
    this.envVars = {
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("base64url"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // Never download a plugin: a missing one is a broken installation, reported as such.
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
  }

  private stack(): Promise<Stack> {
    this.stackHandle ??= import("@pulumi/pulumi/automation").then(({ LocalWorkspace }) =>
      LocalWorkspace.createOrSelectStack({ stackName: this.stackName, workDir: this.projectDir }, { envVars: this.envVars }),
    );
    return this.stackHandle;
  }

  /** Writes the run's config into the stack file, keeping what the CLI put there (the secrets salt). */
  private writeConfig(config: Record<string, string>): void {
    const file = path.join(this.projectDir, `Pulumi.${this.stackName}.yaml`);
    const doc = (existsSync(file) ? (yaml.load(readFileSync(file, "utf8")) as Record<string, unknown> | null) : null) ?? {};
    doc.config = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, yamlValue(v)]));
    writeFileSync(file, yaml.dump(doc));
  }

  private async outputs(stack: Stack): Promise<Record<string, unknown>> {
    const outs = await stack.outputs().catch(() => ({}) as Record<string, { value: unknown }>);
    return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.value]));
  }

  private async run(
    command: "up" | "destroy",
    timeoutMs: number,
    action: (stack: Stack, recorder: StepRecorder, log: (text: string) => void, signal: AbortSignal) => Promise<unknown>,
  ): Promise<DeployRun> {
    const started = Date.now();
    const stack = await this.stack();
    const recorder = new StepRecorder();
    let stderr = "";
    const log = (text: string) => (stderr += text);
    const base = { command, stack: this.stackName, steps: [] as Step[], protectedLeft: [] as ResourceRef[] };
    try {
      await action(stack, recorder, log, AbortSignal.timeout(timeoutMs));
      const result: DeployResult = {
        ...base,
        ok: true,
        outputs: command === "up" ? await this.outputs(stack) : {},
        steps: recorder.list(),
        protectedLeft: command === "destroy" ? (await this.resources()).filter((r) => r.protect).map((r) => ({ ...refOfUrn(r.urn), id: r.id })) : [],
        timings: { totalMs: Date.now() - started, programMs: 0 },
      };
      return { result, exitCode: 0, stderr, startedAt: started, durationMs: Date.now() - started, ...(recorder.lastEventAt ? { engineMs: recorder.lastEventAt - started } : {}) };
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      stderr += `\n${message}`;
      const result: DeployResult = {
        ...base,
        ok: false,
        error: recorder.firstFailure(message.split("\n").find((l) => /error:/.test(l))?.trim() ?? message),
        outputs: {},
        steps: recorder.list(),
        timings: { totalMs: Date.now() - started, programMs: 0 },
      };
      return { result, exitCode: 1, stderr, startedAt: started, durationMs: Date.now() - started, ...(recorder.lastEventAt ? { engineMs: recorder.lastEventAt - started } : {}) };
    }
  }

  up(config: Record<string, string>, timeoutMs: number): Promise<DeployRun> {
    this.writeConfig(config);
    return this.run("up", timeoutMs, (stack, recorder, log, signal) =>
      stack.up({ onEvent: recorder.onEvent, onOutput: log, onError: log, color: "never", signal }),
    );
  }

  async changesOf(config: Record<string, string>, timeoutMs: number) {
    this.writeConfig(config);
    let steps: Step[] = [];
    const run = await this.run("up", timeoutMs, async (stack, recorder, log, signal) => {
      try {
        await stack.preview({ onEvent: recorder.onEvent, onOutput: log, onError: log, color: "never", expectNoChanges: true, signal });
      } finally {
        steps = recorder.list().filter((s) => s.op !== "same");
      }
    });
    return { steps, run };
  }

  /** `pulumi preview --json`, run with the CLI itself (the Automation API does not return the JSON plan). */
  async plan(config: Record<string, string>, timeoutMs: number): Promise<unknown> {
    await this.stack();
    this.writeConfig(config);
    const { execFile } = await import("node:child_process");
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(
        "pulumi",
        ["preview", "--json", "--non-interactive", "--stack", this.stackName],
        { cwd: this.projectDir, env: { ...process.env, ...this.envVars }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
        (err, out, errOut) => resolve({ stdout: out, stderr: errOut, code: err ? Number((err as { code?: unknown }).code) || 1 : 0 }),
      );
    });
    try {
      return JSON.parse(stdout);
    } catch {
      throw new Error(`pulumi preview --json exited ${code} without a JSON plan:\n${stderr.slice(-2000)}${stdout.slice(-2000)}`);
    }
  }

  destroy(timeoutMs: number): Promise<DeployRun> {
    return this.run("destroy", timeoutMs, (stack, recorder, log, signal) =>
      stack.destroy({ onEvent: recorder.onEvent, onOutput: log, onError: log, color: "never", excludeProtected: true, signal }),
    );
  }

  async resources(): Promise<StateResource[]> {
    const stack = await this.stack();
    const exported = (await stack.exportStack()) as { deployment?: { resources?: Record<string, unknown>[] } };
    return (exported.deployment?.resources ?? [])
      .filter((r) => r.custom === true && !String(r.type).startsWith("pulumi:providers:"))
      .map((r) => ({
        ...refOfUrn(String(r.urn)),
        id: typeof r.id === "string" ? r.id : undefined,
        status: Array.isArray(r.initErrors) && r.initErrors.length > 0 ? ("failed" as const) : ("ok" as const),
        protect: r.protect === true,
        outputs: unwrap(r.outputs ?? {}) as Record<string, unknown>,
      }));
  }

  async graph(): Promise<GraphResource[]> {
    const stack = await this.stack();
    const exported = (await stack.exportStack()) as { deployment?: { resources?: Record<string, unknown>[] } };
    return (exported.deployment?.resources ?? []).map((r) => ({
      urn: String(r.urn),
      type: String(r.type),
      name: refOfUrn(String(r.urn)).name,
      parent: typeof r.parent === "string" ? r.parent : "",
      custom: r.custom === true,
      dependencies: Array.isArray(r.dependencies) ? r.dependencies.map(String) : [],
    }));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
