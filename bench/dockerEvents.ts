import { spawn } from "node:child_process";

// What Docker itself says happened to a stack's containers during a deploy: created, started,
// each healthcheck run (an exec with the healthcheck's command) and when the health status turned.
// The daemon keeps only a short backlog of events and a container's Health.Log only its last five
// checks, so the bench listens while the deploy runs, filtered to the stack's label.

export interface DockerEvent {
  /** Epoch milliseconds (from the event's nanoseconds). */
  atMs: number;
  /** Container name. */
  container: string;
  /** `create`, `start`, `die`, `exec_create: <command>`, `exec_die`, `health_status: healthy`, … */
  action: string;
  execId?: string;
  exitCode?: number;
}

/** One line of `docker events --format '{{json .}}'`; undefined for anything else. */
export function parseDockerEvent(line: string): DockerEvent | undefined {
  let raw: { Action?: string; status?: string; time?: number; Actor?: { Attributes?: Record<string, string> } };
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  const attributes = raw.Actor?.Attributes ?? {};
  const action = raw.Action ?? raw.status;
  // Nanoseconds since 1970 exceed a double's exact integers: read them from the text.
  const nanos = /"timeNano":\s*(\d{7,})/.exec(line)?.[1];
  const atMs = nanos ? Number(nanos.slice(0, -6)) + Number(nanos.slice(-6)) / 1e6 : raw.time !== undefined ? raw.time * 1000 : undefined;
  if (!action || atMs === undefined || !attributes.name) return undefined;
  return {
    atMs,
    container: attributes.name,
    action,
    ...(attributes.execID ? { execId: attributes.execID } : {}),
    ...(attributes.exitCode !== undefined && /^-?\d+$/.test(attributes.exitCode) ? { exitCode: Number(attributes.exitCode) } : {}),
  };
}

/** The `docker events` arguments for a stack's containers, from `sinceMs` on. */
export function eventArgs(stack: string, sinceMs: number): string[] {
  const events = ["create", "start", "die", "restart", "health_status", "exec_create", "exec_die"];
  return [
    "events",
    "--since",
    (sinceMs / 1000).toFixed(3),
    "--filter",
    "type=container",
    "--filter",
    `label=pgstack.stack=${stack}`,
    ...events.flatMap((e) => ["--filter", `event=${e}`]),
    "--format",
    "{{json .}}",
  ];
}

export interface EventRecorder {
  /** Stops listening (after a moment for the last events to arrive) and returns what was seen. */
  stop(): Promise<DockerEvent[]>;
}

/** Listens to `docker events` for `stack`'s containers until stopped. */
export function recordDockerEvents(stack: string, sinceMs = Date.now()): EventRecorder {
  const child = spawn("docker", eventArgs(stack, sinceMs), { stdio: ["ignore", "pipe", "pipe"] });
  const events: DockerEvent[] = [];
  let pending = "";
  child.stdout.on("data", (d) => {
    const lines = (pending + d).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const e = parseDockerEvent(line);
      if (e) events.push(e);
    }
  });
  child.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGTERM");
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      return events.sort((a, b) => a.atMs - b.atMs);
    },
  };
}
