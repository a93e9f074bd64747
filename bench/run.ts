import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../test/support/repoRoot";
import { outputsOf } from "../test/e2e/support/cluster";
import { e2eEngine, type EngineName } from "../test/e2e/support/engines";
import { removeLeftovers } from "../test/e2e/support/leftovers";
import { fromUrl } from "../test/e2e/support/pg";
import type { BenchStack } from "./benchStack";
import { measureBringup } from "./bringup";
import { errorText, type BenchContext } from "./context";
import { environmentInfo, hostInfo } from "./environment";
import { removeFloor } from "./floor";
import { headline } from "./headline";
import { localImages } from "./localImages";
import { benchOptions, type BenchOptions } from "./options";
import { PgbenchClient } from "./pgbenchClient";
import { runningForeignContainers } from "./neighbours";
import { measureBackups } from "./phases/backups";
import { loadData } from "./phases/data";
import { comparePgbouncer } from "./phases/pgbouncerComparison";
import { measureReplication } from "./phases/replication";
import { measureRestores } from "./phases/restores";
import { Progress } from "./progress";
import type { BenchResults } from "./results";
import { BENCH_STACK } from "./stacks";
import { renderConsoleTable, summaryRows } from "./summary";
import { writeOutputs } from "./writeOutputs";

// `npm run bench`: first the bring-up phase (rounds of the hand-made floor and a fresh deploy of
// the production shape, side by side), then, on the last round's stack `bench`, PgBouncer,
// replication and backups/restores; writes results.json + REPORT.md + tps.svg, prints a summary,
// and removes every stack it made, whatever happened. `npm run bench:bringup` (`--bringup-only`)
// runs the bring-up phase alone. Every deploy goes through the e2e suite's engine drivers: the
// real Pulumi CLI when installed (or PGSTACK_BENCH_ENGINE=pulumi), the e2e harness otherwise.

const REPO_ROOT = repoRoot(__dirname);

/** How often the engine is checked for other containers (other work sharing the CPUs). */
const NEIGHBOUR_CHECK_MS = 10_000;

function pulumiVersion(): string | undefined {
  try {
    return execFileSync("pulumi", ["version"], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

async function main(options: BenchOptions, engine: EngineName, mode: BenchResults["mode"]): Promise<number> {
  const progress = new Progress();
  const results: BenchResults = {
    version: 1,
    mode,
    engine,
    ...(engine === "pulumi" ? { engineVersion: pulumiVersion() } : {}),
    startedAt: new Date().toISOString(),
    finishedAt: "",
    wallClockMs: 0,
    complete: false,
    options,
    neighbours: [],
    deploy: {},
    restores: [],
    problems: [],
  };
  const noteNeighbours = async () => {
    const seen = await runningForeignContainers(BENCH_STACK);
    const fresh = seen.filter((n) => !results.neighbours.includes(n));
    if (fresh.length > 0) progress.log(`other containers on this engine (sharing the CPUs): ${fresh.join(", ")}`);
    results.neighbours = [...new Set([...results.neighbours, ...seen])].sort();
  };
  // Ctrl-C (which the engine's processes receive too): start nothing new, let the deploy in flight
  // end, clean up, write what was measured.
  const interrupt = new AbortController();
  const problem = (message: string) => {
    // After Ctrl-C, failures are its consequences: the interruption is the one problem.
    if (interrupt.signal.aborted) return;
    results.problems.push(message);
    progress.log(`PROBLEM: ${headline(message)}`);
  };
  const stacks: BenchStack[] = [];
  let client: PgbenchClient | undefined;
  let cleaning: Promise<void> | undefined;
  // Restore stacks first: they mount the bench stack's backup volume.
  const cleanup = () =>
    (cleaning ??= (async () => {
      await client?.remove().catch(() => undefined);
      // A floor interrupted halfway leaves its containers; removing none is cheap.
      await removeFloor().catch(() => undefined);
      for (const stack of [...stacks].reverse().filter((s) => !s.cleanedUp)) {
        progress.log(`removing stack ${stack.name} (protected volumes too)`);
        await stack.cleanup().catch((err) => problem(`cleanup of ${stack.name}: ${errorText(err)}`));
      }
    })());
  let watch: NodeJS.Timeout | undefined;
  const writeUp = async () => {
    clearInterval(watch);
    await cleanup();
    results.finishedAt = new Date().toISOString();
    results.wallClockMs = progress.elapsedMs();
    const { runDir, latest } = writeOutputs(results, path.join(REPO_ROOT, "bench"));
    process.stdout.write(`\n${renderConsoleTable(summaryRows(results))}\n\n`);
    const kept = mode === "full" ? "this run did not complete" : "a bring-up run writes its own report only";
    progress.log(`results in ${path.relative(REPO_ROOT, runDir)}/${latest ? "; bench/REPORT.md and bench/tps.svg updated" : `; bench/REPORT.md kept (${kept})`}`);
    if (results.problems.length > 0) progress.log(`${results.problems.length} problem(s): see the report's last section`);
  };
  let finishing: Promise<void> | undefined;
  // Once: Ctrl-C and the end of main may both get here.
  const finish = () => (finishing ??= writeUp());
  process.once("SIGINT", () => {
    problem("interrupted (SIGINT): the figures stop where it was");
    interrupt.abort();
    finish().finally(() => process.exit(130));
  });
  const stopIfInterrupted = () => {
    if (interrupt.signal.aborted) throw new Error("interrupted");
  };

  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    stopIfInterrupted();
    try {
      return await fn();
    } catch (err) {
      problem(`${name}: ${errorText(err)}`);
      return undefined;
    }
  };

  try {
    progress.log(`options: ${JSON.stringify(options)}; engine: ${engine}${results.engineVersion ? ` ${results.engineVersion}` : ""}`);
    const images = localImages(REPO_ROOT);
    // An interrupted earlier run may have left its containers behind; the deploy must be fresh.
    const left = await removeLeftovers(BENCH_STACK);
    if (left.containers.length + left.volumes.length + left.networks.length > 0) progress.log(`removed leftovers of an earlier run: ${[...left.containers, ...left.volumes, ...left.networks].join(", ")}`);
    await removeFloor();

    await noteNeighbours();
    watch = setInterval(() => void noteNeighbours().catch(() => undefined), NEIGHBOUR_CHECK_MS);
    results.environment = await phase("environment", () => hostInfo(images.postgres));

    const bringup = await measureBringup({
      rounds: options.bringupRounds,
      engine,
      images,
      progress,
      signal: interrupt.signal,
      keepLast: mode === "full",
      register: (s) => stacks.push(s),
      problem,
    });
    results.bringup = bringup.section;
    stopIfInterrupted();
    if (mode === "bringup") {
      results.complete = bringup.section.rounds.length === options.bringupRounds;
      return results.problems.length > 0 ? 1 : 0;
    }
    if (!bringup.kept) throw new Error("the last bring-up round left no deployed stack to measure the rest on");
    const { stack, fresh, noop } = bringup.kept;
    results.deploy.fresh = fresh.figures;
    results.deploy.noop = noop?.figures;
    if (!fresh.result) throw new Error("the kept stack's deploy returned no result");

    const outputs = outputsOf(fresh.result);
    const app = fromUrl(outputs.writeUrl);
    client = await PgbenchClient.start({ stack: BENCH_STACK, network: `pgstack-${BENCH_STACK}`, image: images.postgres, user: String(app.user), password: String(app.password) });
    const ctx: BenchContext = { options, progress, images, stack, outputs, client, signal: interrupt.signal, problem };

    results.environment = (await phase("environment", () => environmentInfo(ctx))) ?? results.environment;
    stopIfInterrupted();
    results.database = await loadData(ctx);
    results.pgbouncer = await phase("PgBouncer comparison", () => comparePgbouncer(ctx));
    results.replication = await phase("replication", () => measureReplication(ctx));
    results.backups = await phase("backups", () => measureBackups(ctx));
    if (options.restores) results.restores = (await phase("restores", () => measureRestores(ctx, (s) => stacks.push(s)))) ?? [];
    else progress.log("restores skipped (PGSTACK_BENCH_RESTORES=0)");
    stopIfInterrupted();
    results.complete = true;
  } catch (err) {
    problem(`benchmark stopped: ${errorText(err)}`);
  } finally {
    await finish();
  }
  return results.problems.length > 0 ? 1 : 0;
}

let options: BenchOptions;
let engine: EngineName;
try {
  options = benchOptions(process.env);
  engine = options.engine ?? e2eEngine();
  if (engine === "pulumi" && !pulumiVersion()) throw new Error("PGSTACK_BENCH_ENGINE=pulumi, but no `pulumi` CLI answers on PATH");
} catch (err) {
  process.stderr.write(`${errorText(err)}\n`);
  process.exit(2);
}
main(options, engine, process.argv.includes("--bringup-only") ? "bringup" : "full").then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: crashed: ${(err as Error).stack ?? err}\n`);
    process.exit(3);
  },
);
