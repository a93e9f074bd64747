// Pure pieces of ContainerHealth: reading what `docker inspect` says about a starting container,
// and the one message a deploy fails with when it will not become healthy. Module-level functions
// only: the provider that uses them is serialized with them into the engine's process.

/** The parts of `docker inspect` (`.State`, `.RestartCount`) a start is judged by. */
export interface StartingContainer {
  State: {
    Status: string;
    Running: boolean;
    Restarting: boolean;
    ExitCode: number;
    Error: string;
    Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] | null } | null;
  };
  RestartCount: number;
}

/** Why the container can no longer become healthy, or undefined while it still can. */
export function deadReason(c: StartingContainer): string | undefined {
  const s = c.State;
  if (s.Status === "created") return "was created but never started (its start failed, or nothing started it)";
  if (!s.Health) return "has no healthcheck, so it can never be reported healthy";
  if (s.Status === "exited" || s.Status === "dead") return `exited with code ${s.ExitCode}${s.Error ? ` (${s.Error})` : ""} before becoming healthy`;
  if (s.Restarting) return `exited with code ${s.ExitCode} and is being restarted (restart ${c.RestartCount}) before becoming healthy`;
  // Already running again: Docker no longer reports the exit code of the run that ended.
  if (c.RestartCount > 0) return `exited and was restarted by Docker (restart ${c.RestartCount}) before becoming healthy`;
  if (s.Health.Status === "unhealthy") return `turned unhealthy after ${s.Health.FailingStreak} failed healthchecks`;
  return undefined;
}

/** The last healthcheck's exit code and output, in one line. */
export function lastHealthOutput(c: StartingContainer | undefined): string {
  const log = c?.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  if (!last) return "no healthcheck has run yet";
  const output = last.Output.trim().split("\n").slice(-5).join(" | ") || "(no output)";
  return `exit ${last.ExitCode}: ${output}`;
}

/** What a deploy reports: which container, why, its last healthcheck and its last log lines. */
export function unhealthyMessage(name: string, reason: string, c: StartingContainer | undefined, logs: string): string {
  const tail = logs.trim();
  return (
    `container ${name}: ${reason}; last healthcheck: ${lastHealthOutput(c)}; last log lines:\n` +
    `${tail ? tail.replace(/^/gm, "    ") : "    (none)"}\n` +
    `See everything with: docker logs ${name}`
  );
}
