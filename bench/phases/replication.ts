import { inspect } from "../../test/support/docker";
import type { BenchStack } from "../benchStack";
import { partsOf } from "../replicaParts";
import { statsOnPrimary, superuserSql } from "../clusterAccess";
import type { BenchContext } from "../context";
import { errorText } from "../context";
import { millis } from "../format";
import { startLagSampler } from "../lagSampler";
import { summarizeLag } from "../lagSummary";
import { TARGETS } from "../pgbenchArgs";
import { runPgbench, runPgbenchWithLatencies } from "../pgbenchRun";
import type { ReplicationMode, ReplicationSection } from "../results";
import { distribution } from "../stats";

const MODES: { mode: ReplicationMode["mode"]; syncReplicas: number }[] = [
  { mode: "sync", syncReplicas: 1 },
  { mode: "async", syncReplicas: 0 },
];

/** Each container's id and start time: a restart or a replacement changes one of them. */
async function identities(stack: BenchStack, parts: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const part of parts) {
    const info = await inspect<{ Id: string; State: { StartedAt: string } }>(stack.container(part));
    out[part] = `${info.Id}@${info.State.StartedAt}`;
  }
  return out;
}

/** Commit latency (one client) and replica lag (sustained TPC-B load) in one replication mode. */
async function measureMode(ctx: BenchContext, mode: (typeof MODES)[number]): Promise<ReplicationMode> {
  const { options, progress, client } = ctx;
  const names = await superuserSql(ctx.stack.container("primary"), "show synchronous_standby_names");
  progress.log(`${mode.mode} (syncReplicas ${mode.syncReplicas}, synchronous_standby_names '${names}'): 1-client TPC-B commit latency, ${options.durationS} s`);
  const latency = await runPgbenchWithLatencies(client, { target: TARGETS.direct, workload: "tpcb", clients: 1, durationS: options.durationS, database: "app", user: "app" });
  const latencyMs = distribution(latency.latenciesMs);
  progress.log(`  ${Math.round(latency.point.tps ?? 0)} tps, commit latency p50 ${millis(latencyMs?.p50)}, p99 ${millis(latencyMs?.p99)}`);

  progress.log(`${mode.mode}: ${options.lagClients}-client TPC-B write load for ${options.lagDurationS} s, sampling pg_stat_replication every ${options.sampleIntervalMs} ms`);
  const sampler = await startLagSampler(statsOnPrimary(ctx.stack, ctx.outputs), options.sampleIntervalMs);
  const writeLoad = await runPgbench(client, { target: TARGETS.direct, workload: "tpcb", clients: options.lagClients, durationS: options.lagDurationS, database: "app", user: "app" });
  const replicas = summarizeLag(await sampler.stop());
  progress.log(`  ${Math.round(writeLoad.tps ?? 0)} tps; ${replicas.map((r) => `${r.name} replay lag p99 ${Math.round(r.bytes?.p99 ?? NaN)} B / ${millis((r.seconds?.p99 ?? NaN) * 1000)}`).join("; ")}`);
  return { ...mode, synchronousStandbyNames: names, commitLatency: { point: latency.point, latencyMs }, writeLoad, replicas };
}

/**
 * The production shape runs one synchronous replica. Measured as deployed, then switched to
 * asynchronous by a redeploy with syncReplicas 0 (a live setting: no container may restart), and
 * measured again in the same run.
 */
export async function measureReplication(ctx: BenchContext): Promise<ReplicationSection> {
  const section: ReplicationSection = { modes: [] };
  for (const mode of MODES) {
    if (mode.syncReplicas !== 1) {
      const parts = partsOf(ctx.outputs.replicaEndpoints.length);
      const before = await identities(ctx.stack, parts);
      ctx.progress.log(`redeploying with syncReplicas ${mode.syncReplicas}`);
      ctx.stack.configure({ syncReplicas: mode.syncReplicas });
      const deploy = await ctx.stack.up(`syncReplicas 1 → ${mode.syncReplicas}`, ctx.progress);
      section.switchDeploy = deploy.figures;
      if (!deploy.figures.ok) throw new Error(`the redeploy with syncReplicas ${mode.syncReplicas} failed: ${deploy.figures.error}`);
      const after = await identities(ctx.stack, parts);
      section.restartedBySwitch = parts.filter((p) => before[p] !== after[p]);
      ctx.progress.log(`  switched in ${(deploy.figures.totalMs / 1000).toFixed(1)} s; containers restarted: ${section.restartedBySwitch.join(", ") || "none"}`);
    }
    try {
      section.modes.push(await measureMode(ctx, mode));
    } catch (err) {
      ctx.problem(`replication, ${mode.mode} mode: ${errorText(err)}`);
    }
  }
  return section;
}
