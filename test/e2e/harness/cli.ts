import * as path from "node:path";
import { destroy } from "./destroy";
import { RESULT_MARKER, type HarnessResult } from "./result";
import { repoRoot, stackConfig } from "./stackConfig";
import { up } from "./up";

// The e2e deploy harness, in a plain node process (never under vitest, whose module transforms
// would break the dynamic providers' serialized closures):
//
//   node dist/test/e2e/harness/cli.js up      --stack <name> --state <file> [--config-from <stack file>] [--config '<json>']
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
    if (!["up", "destroy"].includes(command) || !flags.stack || !flags.state) throw new Error("usage");
  } catch {
    process.stderr.write("usage: cli.js up|destroy --stack <name> --state <file> [--config-from <stack file name>] [--config <json>] [--program <file.js>]\n");
    return 2;
  }
  // Dynamic providers resolve `require("pg")` from the working directory, as under `pulumi up`.
  process.chdir(repoRoot());
  // Registrations that depend on a failed one reject with nobody listening: the failure is reported once, below.
  process.on("unhandledRejection", () => undefined);

  let result: HarnessResult;
  if (command === "up") {
    const overrides = flags.config ? (JSON.parse(flags.config) as Record<string, unknown>) : {};
    result = await up({
      stack: flags.stack,
      stateFile: path.resolve(flags.state),
      config: stackConfig(flags["config-from"], overrides),
      programPath: flags.program ? path.resolve(flags.program) : path.resolve(__dirname, "..", "..", "..", "index.js"),
    });
  } else {
    result = await destroy({ stack: flags.stack, stateFile: path.resolve(flags.state) });
  }
  if (result.error) process.stderr.write(`harness: ${command} failed: ${result.error.message}\n`);
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`harness: crashed: ${(err as Error).stack ?? err}\n`);
    process.exit(3);
  },
);
