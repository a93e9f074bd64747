import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parsePlan, PlanError, renderMarkdown, renderText, reviewPlan, USAGE_EXIT_CODE } from "./lib/review";
import { maskInlinePasswords } from "./lib/review/values";

/**
 * Says, in operational terms, what a change will do to a stack's database, from the plan the
 * engine produces:
 *
 *   npm run review -- --stack <name> [--json | --markdown]     runs pulumi preview --json
 *   npm run review -- --plan <file | -> [--json | --markdown]  reads a saved plan (- = stdin)
 *
 * Exit codes: 0 safe (no restart, nothing deleted), 1 disruptive (restarts or re-creations),
 * 2 destructive (data deleted or protection lowered), 3 no verdict (bad arguments, no plan, the
 * preview failed). Progress goes to stderr; stdout holds only the review.
 */

export const USAGE = `usage: npm run --silent review -- (--stack <name> | --plan <file|->) [--json | --markdown] [--color | --no-color]

  --stack <name>   run \`pulumi preview --json --stack <name>\` in the repository and review its plan
  --plan <file>    review a saved plan (the output of pulumi preview --json); - reads it from stdin
  --json           print the review as JSON (the typed Review)
  --markdown       print it as a pull-request comment
  --color          colours in text output (default: only on a terminal; NO_COLOR turns them off)

exit codes: 0 safe, 1 disruptive, 2 destructive, 3 no verdict (usage, plan or preview error)`;

export interface Options {
  stack?: string;
  plan?: string;
  format: "text" | "json" | "markdown";
  color?: boolean;
  help: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Options {
  const opts: Options = { format: "text", help: false };
  const value = (flag: string, v: string | undefined) => {
    if (v === undefined || (v.startsWith("--") && v !== "-")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") opts.stack = value(a, argv[++i]);
    else if (a.startsWith("--stack=")) opts.stack = a.slice("--stack=".length);
    else if (a === "--plan") opts.plan = value(a, argv[++i]);
    else if (a.startsWith("--plan=")) opts.plan = a.slice("--plan=".length);
    else if (a === "--json") opts.format = "json";
    else if (a === "--markdown" || a === "--md") opts.format = "markdown";
    else if (a === "--color") opts.color = true;
    else if (a === "--no-color") opts.color = false;
    else if (a === "--help" || a === "-h") opts.help = true;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (!opts.help && !opts.stack && !opts.plan) throw new UsageError("give --stack <name> (to run pulumi preview) or --plan <file>");
  return opts;
}

const say = (text: string) => process.stderr.write(`review: ${text}\n`);

/** The directory holding Pulumi.yaml: above this file (compiled into dist/), else above the working directory. */
function repositoryRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new PlanError("no Pulumi.yaml above this script or the working directory: run it inside the pgstack repository, or pass --plan");
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => resolve(text));
    process.stdin.on("error", reject);
  });
}

function parseJson(text: string, from: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PlanError(`${from} is not JSON (${(err as Error).message}); expected the output of pulumi preview --json`);
  }
}

/** Runs the preview; a missing CLI or a failed preview is a PlanError saying what to do. */
function runPreview(stack: string): Promise<unknown> {
  const cwd = repositoryRoot();
  const args = ["preview", "--json", "--non-interactive", "--stack", stack];
  say(`running pulumi ${args.join(" ")} in ${cwd}`);
  return new Promise((resolve, reject) => {
    execFile("pulumi", args, { cwd, maxBuffer: 512 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
        reject(
          new PlanError(
            "the Pulumi CLI is not installed here (no `pulumi` on PATH). Install it (https://www.pulumi.com/docs/iac/download-install/), " +
              `or review a saved plan: run \`pulumi preview --json --stack ${stack} > plan.json\` where it is installed, then \`npm run review -- --plan plan.json\`.`,
          ),
        );
        return;
      }
      if (error) {
        // The preview's own errors are in its JSON diagnostics; stderr has the rest.
        let detail = "";
        try {
          parsePlan(JSON.parse(stdout));
        } catch (planErr) {
          if (planErr instanceof PlanError && planErr.message.startsWith("the preview failed")) detail = planErr.message;
        }
        if (!detail) detail = `pulumi preview failed: ${stderr.trim().split("\n").slice(-5).join(" / ") || `exit ${String((error as { code?: unknown }).code)}`}`;
        reject(new PlanError(maskInlinePasswords(detail)));
        return;
      }
      try {
        resolve(parseJson(stdout, "the output of pulumi preview --json"));
      } catch (err) {
        reject(err);
      }
    });
  });
}

async function loadPlan(opts: Options): Promise<unknown> {
  if (opts.plan === "-") {
    say("reading the plan from stdin");
    return parseJson(await readStdin(), "stdin");
  }
  if (opts.plan) {
    if (!existsSync(opts.plan)) throw new PlanError(`--plan ${opts.plan}: no such file`);
    say(`reading the plan ${opts.plan}`);
    return parseJson(readFileSync(opts.plan, "utf8"), opts.plan);
  }
  return runPreview(opts.stack as string);
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`review: ${(err as Error).message}\n${USAGE}\n`);
    return USAGE_EXIT_CODE;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const review = reviewPlan(await loadPlan(opts));
    if (opts.stack && opts.plan && review.stack && review.stack !== opts.stack) {
      throw new PlanError(`the plan is of stack ${review.stack}, not ${opts.stack}`);
    }
    say(`${review.verdict} (exit ${review.exitCode})`);
    const color = opts.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
    const text = opts.format === "json" ? `${JSON.stringify(review, null, 2)}\n` : opts.format === "markdown" ? renderMarkdown(review) : renderText(review, { color });
    process.stdout.write(text);
    return review.exitCode;
  } catch (err) {
    if (err instanceof PlanError) {
      process.stderr.write(`review: ${err.message}\n`);
      return USAGE_EXIT_CODE;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`review: ${err.stack ?? err.message}\n`);
      process.exitCode = USAGE_EXIT_CODE;
    },
  );
}
