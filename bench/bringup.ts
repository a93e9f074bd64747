import type { EngineName } from "../test/e2e/support/engines";
import { removeLeftovers } from "../test/e2e/support/leftovers";
import { BenchStack, type BenchDeploy } from "./benchStack";
import { analyseDeploy, bringupSection, countResources, roundRatios, type BringupRound, type BringupSection } from "./bringupAnalysis";
import { containerTimesOf } from "./containerRecords";
import { errorText } from "./context";
import { timedSteps } from "./deployFigures";
import { recordDockerEvents } from "./dockerEvents";
import { runFloor } from "./floor";
import { ratio, seconds } from "./format";
import { headline } from "./headline";
import type { Progress } from "./progress";
import { BENCH_STACK, stackOverrides, type Images } from "./stacks";

// The bring-up phase: rounds of the hand-made floor, then a fresh deploy of the production shape
// (with Docker's events recorded, to say where its time went), then an unchanged redeploy, then a
// full cleanup. The last round's stack may be kept for the phases that follow.

export interface BringupOptions {
  rounds: number;
  engine: EngineName;
  images: Images;
  progress: Progress;
  signal: AbortSignal;
  /** Keep the last round's stack (deployed and verified) instead of removing it. */
  keepLast: boolean;
  /** Every stack made, so the run's own cleanup finds it whatever happens. */
  register: (stack: BenchStack) => void;
  problem: (message: string) => void;
}

export interface BringupOutcome {
  section: BringupSection;
  /** The last round's stack and its fresh and unchanged deploys, when kept. */
  kept?: { stack: BenchStack; fresh: BenchDeploy; noop?: BenchDeploy };
}

async function deployRound(round: BringupRound, o: BringupOptions, last: boolean): Promise<BringupOutcome["kept"]> {
  const { progress } = o;
  const left = await removeLeftovers(BENCH_STACK);
  if (left.containers.length + left.volumes.length + left.networks.length > 0) progress.log(`removed leftovers: ${[...left.containers, ...left.volumes, ...left.networks].join(", ")}`);
  const stack = new BenchStack(BENCH_STACK, stackOverrides(BENCH_STACK, o.images, new Date()), o.engine, o.signal);
  o.register(stack);
  let keep = false;
  try {
    await stack.prepare();
    progress.log(`deploying ${BENCH_STACK} (Pulumi.production.yaml) from nothing on ${o.engine === "pulumi" ? "the real Pulumi CLI" : "the e2e harness"}`);
    const events = recordDockerEvents(BENCH_STACK);
    const fresh = await stack.up("fresh", progress);
    const seen = await events.stop();
    round.fresh = fresh.figures;
    if (!fresh.figures.ok) throw new Error(`the fresh deploy failed: ${headline(fresh.figures.error ?? "")}`);
    const graph = await stack.graph();
    round.resources = countResources(graph, fresh.figures.cliResourceCount);
    round.containers = await containerTimesOf(await stack.containerNames(), seen, fresh.run.startedAt);
    Object.assign(round, analyseDeploy(timedSteps(fresh.run), fresh.figures.totalMs, graph, round.containers));
    const r = roundRatios(round);
    progress.log(
      `streaming verified at ${seconds(fresh.figures.streamingVerifiedMs)} (${ratio(fresh.figures.streamingVerifiedMs, round.floor.ok ? round.floor.totalMs : undefined)} the floor), whole deploy ${seconds(fresh.figures.totalMs)} (${r.whole !== undefined ? `×${r.whole.toFixed(2)}` : "–"}); ${round.resources.total} resources; redeploying unchanged`,
    );
    const noop = await stack.up("unchanged", progress);
    round.noop = noop.figures;
    if (!noop.figures.ok) throw new Error(`the unchanged redeploy failed: ${headline(noop.figures.error ?? "")}`);
    progress.log(`unchanged redeploy in ${seconds(noop.figures.totalMs)} (${JSON.stringify(noop.figures.ops)})`);
    keep = last && o.keepLast;
    return keep ? { stack, fresh, noop } : undefined;
  } finally {
    if (!keep) {
      progress.log(`removing ${BENCH_STACK} (protected volumes too)`);
      await stack.cleanup().catch((err) => o.problem(`cleanup of ${BENCH_STACK}: ${errorText(err)}`));
    }
  }
}

export async function measureBringup(o: BringupOptions): Promise<BringupOutcome> {
  const rounds: BringupRound[] = [];
  let kept: BringupOutcome["kept"];
  for (let i = 1; i <= o.rounds; i++) {
    if (o.signal.aborted) break;
    o.progress.log(`bring-up round ${i}/${o.rounds}: the floor (initdb, 2 slots, 2 × pg_basebackup -R, by hand with docker run)`);
    const floor = await runFloor(o.images.postgres);
    const round: BringupRound = { round: i, floor };
    rounds.push(round);
    if (floor.ok) o.progress.log(`  floor: both replicas streaming ${seconds(floor.totalMs, 2)} after the first docker command (${floor.steps.map((s) => `${s.name} ${seconds(s.endMs - s.startMs, 2)}`).join("; ")})`);
    else o.problem(`round ${i}: the floor failed: ${floor.error}`);
    try {
      kept = await deployRound(round, o, i === o.rounds);
    } catch (err) {
      round.error = errorText(err);
      o.problem(`bring-up round ${i}: ${round.error}`);
    }
  }
  return { section: bringupSection(o.engine, o.rounds, rounds), kept };
}
