import type { Collector } from "./collector";
import type { Context } from "./context";
import { isDynamic } from "./kinds";
import { listWords, plural } from "./values";

// What the change does to the cluster's guarantees: the primary role moving, synchronous
// replication with too few replicas to confirm commits, during the deploy or after it.

export function classifySafety(ctx: Context, out: Collector): void {
  const t = ctx.topology;
  const guard = ctx.steps.find((s) => isDynamic(s, "PrimaryGuard") && s.op === "update");
  if (t.primaryBefore !== t.primaryAfter) {
    out.add("safety", "disruptive", `the primary role moves: ${t.primaryBefore} → ${t.primaryAfter}`, guard ? [guard] : [], [
      `Before anything is touched, the primary guard checks that ${t.primaryAfter} already is the running primary (after npm run failover); if it is not, the deploy stops there.`,
      "Writes go to the new primary through PgBouncer; replicas stream from it.",
    ]);
  }

  const k = t.syncAfter;
  if (t.syncBefore !== undefined && t.syncBefore !== k) {
    out.add(
      "safety",
      "safe",
      k === 0
        ? `synchronous replication turned off (syncReplicas ${t.syncBefore} → 0): a commit no longer waits for a replica, and one acknowledged just before the primary is lost may be lost with it`
        : `syncReplicas ${t.syncBefore} → ${k}: every commit waits until ${plural(k, "replica")} ${k === 1 ? "has" : "have"} it`,
    );
  }
  if (k === 0) return;

  const replicasAfter = t.membersAfter.filter((m) => m !== t.primaryAfter);
  if (replicasAfter.length < k) {
    out.add("safety", "disruptive", `only ${plural(replicasAfter.length, "replica")} for syncReplicas ${k}: every commit waits for confirmations that cannot come`);
    return;
  }
  // During the deploy: replicas restarting, removed or not yet cloned cannot confirm commits.
  const restarting = out.restarts.filter((r) => r.kind === "postgres").map((r) => r.part);
  const existing = replicasAfter.filter((m) => t.membersBefore.includes(m));
  const confirming = existing.filter((m) => !restarting.includes(m));
  if (confirming.length < k && !restarting.includes(t.primaryAfter)) {
    const away = existing.filter((m) => restarting.includes(m));
    out.add(
      "safety",
      "disruptive",
      `replicas below syncReplicas during the deploy: while ${listWords(away)} restart${away.length === 1 ? "s" : ""}, ${plural(confirming.length, "replica")} can confirm commits and syncReplicas is ${k}: commits on ${t.primaryAfter} wait until ${away.length === 1 ? "it is" : "they are"} back`,
    );
  } else if (confirming.length < k) {
    const away = existing.filter((m) => restarting.includes(m));
    out.add(
      "safety",
      "disruptive",
      `replicas below syncReplicas during the deploy: ${listWords(away)} restart${away.length === 1 ? "s" : ""} in the same deploy as ${t.primaryAfter}, so once ${t.primaryAfter} is back its commits wait until ${k === 1 ? "one replica is" : `${k} replicas are`} back too (syncReplicas ${k})`,
    );
  }
  const scaled = t.membersBefore.length !== t.membersAfter.length;
  if (scaled && replicasAfter.length === k) {
    out.add("safety", "safe", `no spare synchronous replica: with ${plural(replicasAfter.length, "replica")} and syncReplicas ${k}, any replica's outage makes commits wait`);
  }
}
