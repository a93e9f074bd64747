import { dockerRaw } from "../test/support/docker";
import { containerTimes, parseTimestampedLogs, type ContainerRecord, type HealthLogEntry } from "./containerMoments";
import type { DockerEvent } from "./dockerEvents";
import type { ContainerTimes } from "./timeBreakdown";

/** Events, timestamped logs and inspect data of one container, read once its deploy is over. */
export async function readContainerRecord(container: string, events: readonly DockerEvent[]): Promise<ContainerRecord> {
  const logs = await dockerRaw(["logs", "--timestamps", container], { timeoutMs: 60_000 });
  const info = await dockerRaw(["inspect", "--format", "{{json .Config.Healthcheck}}\t{{.State.StartedAt}}\t{{json .State.Health}}", container], { timeoutMs: 60_000 });
  const [check, startedAt, health] = info.code === 0 ? info.stdout.trim().split("\t") : [];
  const parse = <T>(json: string | undefined): T | undefined => {
    try {
      return json ? (JSON.parse(json) as T) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    events: events.filter((e) => e.container === container),
    logs: parseTimestampedLogs(`${logs.stdout}\n${logs.stderr}`),
    healthcheckTest: parse<{ Test?: string[] } | null>(check)?.Test,
    startedAt,
    healthLog: parse<{ Log?: HealthLogEntry[] } | null>(health)?.Log,
  };
}

/** Each container's moments (by its resource name) in ms from the deploy's start. */
export async function containerTimesOf(containers: Record<string, string>, events: readonly DockerEvent[], originMs: number): Promise<Record<string, ContainerTimes>> {
  const out: Record<string, ContainerTimes> = {};
  for (const [part, container] of Object.entries(containers)) {
    out[part] = containerTimes(await readContainerRecord(container, events), originMs);
  }
  return out;
}
