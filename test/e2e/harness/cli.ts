import * as path from "node:path";
import { destroy } from "./destroy";
import { preview } from "./preview";
import { RESULT_MARKER, type HarnessResult } from "./result";
import { repoRoot, stackConfig } from "./stackConfig";
import { up } from "./up";

// The e2e deploy harness, in a plain node process (never under vitest, whose module transforms
// would break the dynamic providers' serialized closures):
//
//   node dist/test/e2e/harness/cli.js up      --stack <name> --state <file> [--config-from <stack file>] [--config '<json>']
//   node dist/test/e2e/harness/cli.js preview --stack <name> --state <file> [--config-from …] [--config '<json>']
//   node dist/test/e2e/harness/cli.js destroy --stack <name> --state <file>
//
// --config-from staging reads Pulumi.staging.yaml (or give a stack file's path); --config overrides keys ("replicas" or
// "pgstack:replicas"); --program runs another compiled program than dist/index.js (the harness's
// own tests use a tiny one). Progress goes to stderr; the last stdout line is RESULT_MARKER + JSON.
// Exit code 0 when the deploy or destroy succeeded, 1 when it failed, 2 on bad usage.

function parseArgs(argv: string[]): { command: string; flags: Record<string, string> } {
  const [command, ...rest] = argv;
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith("--") || rest[i + 1] === undefined) throw new Error(`bad argument ${rest[i]}`);
    flags[rest[i].slice(2)] = rest[i + 1];
  }
  return { command, flags };
}

async function main(): Promise<number> {
  let command: string;
  let flags: Record<string, string>;
  try {
    ({ command, flags } = parseArgs(process.argv.slice(2)));
    if (!["up", "preview", "destroy"].includes(command) || !flags.stack || !flags.state) throw new Error("usage");
  } catch {
    process.stderr.write("usage: cli.js up|preview|destroy --stack <name> --state <file> [--config-from <stack file name>] [--config <json>] [--program <file.js>]\n");
    return 2;
  }
  // Dynamic providers resolve `require("pg")` from the working directory, as under `pulumi up`.
  process.chdir(repoRoot());
  // Registrations that depend on a failed one reject with nobody listening: the failure is reported once, below.
  process.on("unhandledRejection", () => undefined);

  let result: HarnessResult;
  const overrides = flags.config ? (JSON.parse(flags.config) as Record<string, unknown>) : {};
  const run = {
    stack: flags.stack,
    stateFile: path.resolve(flags.state),
    config: stackConfig(flags["config-from"], overrides),
    programPath: flags.program ? path.resolve(flags.program) : path.resolve(__dirname, "..", "..", "..", "index.js"),
  };
  if (command === "up") {
    result = await up(run);
  } else if (command === "preview") {
    const started = Date.now();
    const plan = await preview(run);
    const error = plan.diagnostics?.[0];
    result = { command: "preview", stack: flags.stack, ok: !error, ...(error ? { error: { message: error.message } } : {}), outputs: {}, steps: [], protectedLeft: [], timings: { totalMs: Date.now() - started, programMs: 0 }, plan };
  } else {
    result = await destroy({ stack: flags.stack, stateFile: path.resolve(flags.state) });
  }
  if (result.error) process.stderr.write(`harness: ${command} failed: ${result.error.message}\n`);
  // Resolve only once the line is flushed: exiting with a pipe still full cuts a long result
  // (a plan) at the pipe's 64 KiB.
  await new Promise<void>((resolve) => process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`, () => resolve()));
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`harness: crashed: ${(err as Error).stack ?? err}\n`);
    process.exit(3);
  },
);
