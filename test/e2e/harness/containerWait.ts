import { dockerApi, type ContainerInfo } from "./dockerApi";

const POLL_MS = 250;

function lastHealthOutput(info: ContainerInfo | undefined): string {
  const log = info?.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  if (!last) return "no healthcheck has run yet";
  const output = last.Output.trim().split("\n").slice(-5).join(" | ") || "(no output)";
  return `exit ${last.ExitCode}: ${output}`;
}

async function failure(id: string, info: ContainerInfo | undefined, reason: string): Promise<Error> {
  const logs = (await dockerApi.logs(id, 15).catch(() => "")).trim();
  return new Error(
    `${reason}; last healthcheck: ${lastHealthOutput(info)}; last log lines:\n${logs ? logs.replace(/^/gm, "    ") : "    (none)"}`,
  );
}

/** Why the container can no longer become healthy, or undefined while it still can. */
function deadReason(info: ContainerInfo): string | undefined {
  const s = info.State;
  if (s.Status === "exited" || s.Status === "dead") return `exited with code ${s.ExitCode}${s.Error ? ` (${s.Error})` : ""} before becoming healthy`;
  if (s.Restarting) return `exited with code ${s.ExitCode} and is being restarted (restart ${info.RestartCount}) before becoming healthy`;
  // Already running again: Docker no longer reports the exit code of the run that ended.
  if (info.RestartCount > 0) return `exited and was restarted by Docker (restart ${info.RestartCount}) before becoming healthy`;
  if (s.Health?.Status === "unhealthy") return `turned unhealthy after ${s.Health.FailingStreak} failed healthchecks`;
  return undefined;
}

/**
 * Waits until Docker reports the container healthy, as the provider's `wait` does, but fails at
 * once when it exits, restarts or turns unhealthy, so a broken member costs seconds, not the
 * whole waitTimeout.
 */
export async function waitHealthy(id: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const info = await dockerApi.inspectContainer(id);
    if (!info) throw new Error("the container disappeared while waiting for it to become healthy");
    if (info.State.Health?.Status === "healthy") return;
    const dead = deadReason(info);
    if (dead) throw await failure(id, info, dead);
    if (Date.now() >= deadline) throw await failure(id, info, `not healthy within ${timeoutSeconds} s (health: ${info.State.Health?.Status ?? "none"})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The provider's check for containers it does not wait on: running right after the start. */
export async function assertRunning(id: string): Promise<void> {
  const info = await dockerApi.inspectContainer(id);
  if (!info || !info.State.Running) throw await failure(id, info, "exited immediately after the start");
}
