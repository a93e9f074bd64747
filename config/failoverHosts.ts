import { endpoint } from "./topology";
import { peerEndpoint, type Endpoint } from "./placement";
import type { StackSettings } from "./settings";
import { memberNames } from "./topology";

/**
 * The multi-host decisions of a failover (scripts/failover.ts), pure: which member a standby's
 * primary_conninfo names, and whether the old primary can be fenced through its host's engine
 * or the promotion must wait for --force.
 */

type Topology = Pick<StackSettings, "hosts" | "placement" | "bindAddress" | "replicas" | "ports">;

/**
 * The member a standby streams from, from its primary_conninfo's host and port: a network alias on
 * one host (any port), a host address and published port on several. Undefined when none matches.
 */
export function memberAt(s: Topology, host: string, port: number | undefined): string | undefined {
  return memberNames(s.replicas).find((m) => {
    const at = peerEndpoint(s, m);
    return at.host === host && (port === undefined || at.port === port);
  });
}

/** `host=… port=…` of a libpq connection string (primary_conninfo). */
export function conninfoTarget(conninfo: string): { host?: string; port?: number } {
  const host = /\bhost=([^\s']+)/.exec(conninfo)?.[1];
  const port = /\bport=(\d+)/.exec(conninfo)?.[1];
  return { ...(host ? { host } : {}), ...(port ? { port: Number(port) } : {}) };
}

export type FenceDecision =
  /** The old primary's engine answers: stop it and leave the marker through that engine. */
  | { kind: "fence" }
  /** Its engine does not answer and --force was not given: nothing is promoted. */
  | { kind: "refuse"; message: string }
  /** Its engine does not answer and --force was given: promote without fencing, after saying what that risks. */
  | { kind: "promote-unfenced"; warning: string };

export interface OldPrimaryHost {
  member: string;
  container: string;
  /** The host's name in pgstack:hosts and its engine's DOCKER_HOST URL (undefined: the environment's). */
  host: string;
  docker?: string;
  engineAnswers: boolean;
}

/** What the failover does about the old primary, given whether its host's engine answers. */
export function fenceDecision(old: OldPrimaryHost, force: boolean): FenceDecision {
  if (old.engineAnswers) return { kind: "fence" };
  const engine = old.docker ?? "the environment's Docker engine";
  const risk =
    `host ${old.host} does not answer (${engine}), so ${old.member} cannot be fenced: pgstack can neither stop ${old.container} nor leave its fence marker. ` +
    `If ${old.host} is only cut off rather than down, ${old.member} may still be running and accepting writes from clients that reach it: promoting now makes two primaries, ` +
    `and what it accepts from then on is lost when it rejoins. When ${old.host} comes back, Docker restarts ${old.container} as a primary unless you stop it first ` +
    `(docker${old.docker ? ` -H ${old.docker}` : ""} update --restart=no ${old.container} && docker${old.docker ? ` -H ${old.docker}` : ""} stop ${old.container}), then run the failover again to fence it`;
  if (!force) return { kind: "refuse", message: `${risk}. Nothing was promoted; if ${old.host} is truly lost, run again with --force.` };
  return { kind: "promote-unfenced", warning: `--force: promoting without fencing. ${risk}.` };
}

/** `host:port` of where a standby or PgBouncer reaches `member` (for the progress lines). */
export function describeEndpoint(at: Endpoint): string {
  return endpoint(at.host, at.port);
}
