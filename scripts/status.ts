import { existsSync } from "node:fs";
import * as path from "node:path";
import { collectStatus } from "./lib/status/collect";
import type { ClusterStatus } from "./lib/status/model";
import { loadSettings, parseStatusArgs, thresholdsFor, UsageError, USAGE, type StatusOptions } from "./lib/status/options";
import { renderJson, renderText } from "./lib/status/render";

/**
 * One screen about a running stack, read live through Docker:
 *
 *   npm run status -- --stack <stack> [--json] [--watch] [--docker-host <host>]...
 *
 * Exit code 0 healthy, 1 degraded, 2 unreachable, 64 bad usage (see --help).
 */

/** The project directory (holding Pulumi.yaml), from the sources or from dist/. */
function projectDir(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function once(o: StatusOptions, quiet: boolean): Promise<ClusterStatus> {
  const project = projectDir();
  const loaded = loadSettings(o, [process.cwd(), ...(project ? [project] : [])]);
  return collectStatus({
    stack: o.stack,
    hosts: o.hosts,
    expectedMembers: loaded.expectedMembers,
    thresholds: thresholdsFor(loaded.settings, o.overrides),
    settingsFrom: loaded.from,
    progress: quiet ? undefined : (line) => process.stderr.write(`status: ${line}\n`),
  });
}

function print(o: StatusOptions, s: ClusterStatus): void {
  process.stdout.write(o.json ? renderJson(s) : renderText(s, { colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
}

async function main(argv: string[]): Promise<number> {
  const o = parseStatusArgs(argv, process.env);
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!o.watch) {
    const s = await once(o, o.quiet);
    print(o, s);
    return s.verdict.code;
  }
  let code = 2;
  let stopped = false;
  process.on("SIGINT", () => {
    stopped = true;
    process.exit(code);
  });
  while (!stopped) {
    const s = await once(o, true);
    code = s.verdict.code;
    if (process.stdout.isTTY && !o.json) process.stdout.write("\x1b[2J\x1b[H");
    print(o, s);
    await new Promise((r) => setTimeout(r, 2000));
  }
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      if (err instanceof UsageError) {
        process.stderr.write(`status: ${err.message}\n\n${USAGE}\n`);
        process.exit(64);
      }
      process.stderr.write(`status: ${err.stack ?? err.message}\n`);
      process.exit(2);
    },
  );
}
