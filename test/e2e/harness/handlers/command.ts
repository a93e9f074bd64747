import { spawn } from "node:child_process";
import { assertOnlyInputs, changedInputs, type ResourceHandler } from "./types";

// command:local:Command as pulumi-command runs it: `/bin/sh -c <command>` (or the interpreter
// given), with `stdin` and `environment`; a non-zero exit fails the step with the command's stderr.

const ALLOWED = ["create", "update", "delete", "stdin", "triggers", "environment", "dir", "interpreter", "addPreviousOutputInEnv"];
/** A bound of the harness's own: pulumi-command has none, but a hung command must not hang CI. */
const COMMAND_TIMEOUT_MS = 300_000;

interface Run {
  stdout: string;
  stderr: string;
}

function run(command: string, inputs: Record<string, unknown>, extraEnv: Record<string, string> = {}): Promise<Run> {
  const interpreter = (inputs.interpreter as string[] | undefined) ?? ["/bin/sh", "-c"];
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter[0], [...interpreter.slice(1), command], {
      cwd: (inputs.dir as string | undefined) ?? process.cwd(),
      env: { ...process.env, ...(inputs.environment as Record<string, string> | undefined), ...extraEnv },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") };
      if (code === 0) resolve(result);
      else reject(new Error(`command exited with ${code ?? signal}: ${command}\n${result.stderr || result.stdout}`));
    });
    child.stdin.on("error", () => undefined); // a command that does not read stdin is fine
    child.stdin.end((inputs.stdin as string | undefined) ?? "");
  });
}

/** PULUMI_COMMAND_STDOUT/STDERR of the previous run, which pulumi-command adds by default. */
function previousOutput(outputs: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, string> {
  if (inputs.addPreviousOutputInEnv === false) return {};
  return { PULUMI_COMMAND_STDOUT: String(outputs.stdout ?? ""), PULUMI_COMMAND_STDERR: String(outputs.stderr ?? "") };
}

export const localCommand: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("command:local:Command", inputs, ALLOWED);
    if (typeof inputs.create !== "string") return { id: "command", outputs: { ...inputs, stdout: "", stderr: "" } };
    const result = await run(inputs.create, inputs);
    return { id: "command", outputs: { ...inputs, ...result } };
  },
  async diff(old, inputs) {
    const changed = changedInputs(old.inputs, inputs);
    if (changed.length === 0) return { kind: "same" };
    if (changed.includes("triggers")) return { kind: "replace", reason: "triggers changed", changed, replacing: ["triggers"] };
    return { kind: "update", changed };
  },
  async update(old, inputs) {
    assertOnlyInputs("command:local:Command", inputs, ALLOWED);
    const command = (inputs.update as string | undefined) ?? (inputs.create as string | undefined);
    if (command === undefined) return { ...inputs, stdout: "", stderr: "" };
    return { ...inputs, ...(await run(command, inputs, previousOutput(old.outputs, inputs))) };
  },
  async delete(entry) {
    if (typeof entry.inputs.delete === "string") await run(entry.inputs.delete, entry.inputs, previousOutput(entry.outputs, entry.inputs));
  },
};
