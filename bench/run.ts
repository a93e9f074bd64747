import * as path from "node:path";
import { outputsOf } from "../test/e2e/support/cluster";
import { removeLeftovers } from "../test/e2e/support/leftovers";
import { fromUrl } from "../test/e2e/support/pg";
import { BenchStack } from "./benchStack";
import { errorText, type BenchContext } from "./context";
import { environmentInfo } from "./environment";
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
import { BENCH_STACK, stackOverrides } from "./stacks";
import { renderConsoleTable, summaryRows } from "./summary";
import { REPO_ROOT } from "./timedHarness";
import { writeOutputs } from "./writeOutputs";

// `npm run bench`: deploys the production shape under the stack name `bench`, measures deploys,
// PgBouncer, replication and backups/restores, writes results.json + REPORT.md + tps.svg, prints
// a summary, and removes every stack it made, whatever happened.

/** How often the engine is checked for other containers (other work sharing the CPUs). */
const NEIGHBOUR_CHECK_MS = 10_000;

async function main(options: BenchOptions): Promise<number> {
  const progress = new Progress();
  const results: BenchResults = { version: 1, startedAt: new Date().toISOString(), finishedAt: "", wallClockMs: 0, complete: false, options, neighbours: [], deploy: {}, restores: [], problems: [] };
  const noteNeighbours = async () => {
    const seen = await runningForeignContainers(BENCH_STACK);
    const fresh = seen.filter((n) => !results.neighbours.includes(n));
    if (fresh.length > 0) progress.log(`other containers on this engine (sharing the CPUs): ${fresh.join(", ")}`);
    results.neighbours = [...new Set([...results.neighbours, ...seen])].sort();
  };
  // Ctrl-C: kill the deploy in flight, start nothing new, clean up, write what was measured.
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
    progress.log(`results in ${path.relative(REPO_ROOT, runDir)}/${latest ? "; bench/REPORT.md and bench/tps.svg updated" : "; bench/REPORT.md kept (this run did not complete)"}`);
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
    progress.log(`options: ${JSON.stringify(options)}`);
    const images = localImages(REPO_ROOT);
    // An interrupted earlier run may have left its containers behind; the deploy must be fresh.
    const left = await removeLeftovers(BENCH_STACK);
    if (left.containers.length + left.volumes.length + left.networks.length > 0) progress.log(`removed leftovers of an earlier run: ${[...left.containers, ...left.volumes, ...left.networks].join(", ")}`);

    await noteNeighbours();
    watch = setInterval(() => void noteNeighbours().catch(() => undefined), NEIGHBOUR_CHECK_MS);
    const stack = new BenchStack(BENCH_STACK, stackOverrides(BENCH_STACK, images, new Date()), interrupt.signal);
    stacks.push(stack);
    progress.log(`deploying ${BENCH_STACK} (Pulumi.production.yaml) from nothing`);
    const fresh = await stack.up("fresh", progress);
    results.deploy.fresh = fresh.figures;
    if (!fresh.figures.ok || !fresh.result) throw new Error(`the fresh deploy failed: ${fresh.figures.error}\n${fresh.logTail.join("\n")}`);
    progress.log(`streaming verified at ${(fresh.figures.streamingVerifiedMs! / 1000).toFixed(1)} s, deploy done in ${(fresh.figures.totalMs / 1000).toFixed(1)} s; redeploying unchanged`);
    const noop = await stack.up("unchanged", progress);
    results.deploy.noop = noop.figures;
    if (!noop.figures.ok) problem(`the unchanged redeploy failed: ${noop.figures.error}`);
    else progress.log(`unchanged redeploy in ${(noop.figures.totalMs / 1000).toFixed(1)} s (${JSON.stringify(noop.figures.ops)})`);

    const outputs = outputsOf(fresh.result);
    const app = fromUrl(outputs.writeUrl);
    client = await PgbenchClient.start({ stack: BENCH_STACK, network: `pgstack-${BENCH_STACK}`, image: images.postgres, user: String(app.user), password: String(app.password) });
    const ctx: BenchContext = { options, progress, images, stack, outputs, client, signal: interrupt.signal, problem };

    results.environment = await phase("environment", () => environmentInfo(ctx));
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
try {
  options = benchOptions(process.env);
} catch (err) {
  process.stderr.write(`${errorText(err)}\n`);
  process.exit(2);
}
main(options).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: crashed: ${(err as Error).stack ?? err}\n`);
    process.exit(3);
  },
);
