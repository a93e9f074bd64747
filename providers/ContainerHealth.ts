import * as pulumi from "@pulumi/pulumi";
import { deadReason, unhealthyMessage, type StartingContainer } from "./containerHealthDiagnosis";
import { changedKeys } from "./diffing";
import { isUnknown } from "./preview";

// A container is ready when Docker reports it healthy. The Docker provider's own `wait` polls once
// a second until its timeout and then says only "container failed to be in healthy state"; this
// waits the same way but fails as soon as the container exits, restarts or turns unhealthy, with
// its last healthcheck and log lines, so a member that cannot start costs seconds and names why.
// Provider methods load their modules inside and call only module-level functions, so the
// engine's serialized copy works in its own process.

export interface ContainerHealthInputs {
  containerName: string;
  /** The container's id: a replaced container is waited for again. */
  containerId: string;
  /** How long it may take to become healthy; default 120. */
  timeoutSeconds?: number;
  /** DOCKER_HOST of the engine it runs on; absent = the CLI's default. */
  dockerHost?: string;
  /** TLS client certificate directory of a tcp:// engine (DOCKER_CERT_PATH, with DOCKER_TLS_VERIFY). */
  dockerCertPath?: string;
}

export interface ContainerHealthOutputs extends ContainerHealthInputs {
  /** When it was first seen healthy, and how long that took from the wait's start. */
  healthyAt: string;
  waitedMs: number;
}

const DEFAULT_TIMEOUT_SECONDS = 120;
const POLL_MS = 250;

function dockerCli(inputs: ContainerHealthInputs, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { execFile } = require("node:child_process") as typeof import("node:child_process");
  const full = inputs.dockerHost ? ["--host", inputs.dockerHost, ...args] : args;
  return new Promise((resolve) => {
    const env = inputs.dockerCertPath ? { ...process.env, DOCKER_CERT_PATH: inputs.dockerCertPath, DOCKER_TLS_VERIFY: "1" } : process.env;
    execFile("docker", full, { timeout: 30_000, encoding: "utf8", maxBuffer: 4 * 1024 * 1024, env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code !== 0 ? err.message : "") });
    });
  });
}

async function inspect(inputs: ContainerHealthInputs): Promise<StartingContainer | undefined> {
  const r = await dockerCli(inputs, ["inspect", "--format", "{{json .State}}\t{{.RestartCount}}", inputs.containerName]);
  if (r.code !== 0) {
    if (/No such (object|container)/i.test(r.stderr)) return undefined;
    throw new Error(`container ${inputs.containerName}: docker inspect failed: ${r.stderr.trim()}`);
  }
  const [state, restarts] = r.stdout.trim().split("\t");
  return { State: JSON.parse(state), RestartCount: Number(restarts) };
}

async function tailOfLogs(inputs: ContainerHealthInputs): Promise<string> {
  const r = await dockerCli(inputs, ["logs", "--tail", "15", inputs.containerName]);
  return `${r.stdout}${r.stderr}`;
}

/** Waits until Docker reports the container healthy; fails at once when it never can be. */
async function waitHealthy(inputs: ContainerHealthInputs): Promise<ContainerHealthOutputs> {
  const started = Date.now();
  const timeout = inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const deadline = started + timeout * 1000;
  for (;;) {
    const c = await inspect(inputs);
    if (!c) throw new Error(`container ${inputs.containerName} does not exist (it was removed while pgstack waited for it to become healthy)`);
    if (c.State.Health?.Status === "healthy") {
      return { ...inputs, healthyAt: new Date().toISOString(), waitedMs: Date.now() - started };
    }
    const dead = deadReason(c);
    if (dead) throw new Error(unhealthyMessage(inputs.containerName, dead, c, await tailOfLogs(inputs)));
    if (Date.now() >= deadline) {
      const reason = `not healthy within ${timeout} s (health: ${c.State.Health?.Status ?? "none"})`;
      throw new Error(unhealthyMessage(inputs.containerName, reason, c, await tailOfLogs(inputs)));
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export class ContainerHealthProvider implements pulumi.dynamic.ResourceProvider {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const key of ["containerName", "containerId"]) {
      const v = news[key];
      if (!isUnknown(v) && (typeof v !== "string" || v === "")) failures.push({ property: key, reason: `${key} must be a non-empty string` });
    }
    const t = news.timeoutSeconds;
    if (t !== undefined && !isUnknown(t) && !(typeof t === "number" && t > 0)) failures.push({ property: "timeoutSeconds", reason: `timeoutSeconds must be a positive number, got ${JSON.stringify(t)}` });
    return { inputs: news, failures };
  }

  /** A new container (or engine) is waited for again; a new timeout is only recorded. */
  async diff(_id: string, olds: ContainerHealthOutputs, news: ContainerHealthInputs): Promise<pulumi.dynamic.DiffResult> {
    const changes = changedKeys(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, ["containerName", "containerId", "dockerHost", "dockerCertPath", "timeoutSeconds"], {
      timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    });
    return { changes: changes.length > 0, replaces: [], deleteBeforeReplace: false };
  }

  async create(inputs: ContainerHealthInputs): Promise<pulumi.dynamic.CreateResult<ContainerHealthOutputs>> {
    return { id: inputs.containerName, outs: await waitHealthy(inputs) };
  }

  async update(_id: string, olds: ContainerHealthOutputs, news: ContainerHealthInputs): Promise<pulumi.dynamic.UpdateResult<ContainerHealthOutputs>> {
    const sameContainer = olds.containerId === news.containerId && olds.containerName === news.containerName && olds.dockerHost === news.dockerHost;
    return { outs: sameContainer ? { ...news, healthyAt: olds.healthyAt, waitedMs: olds.waitedMs } : await waitHealthy(news) };
  }

  async delete(): Promise<void> {
    // Waiting leaves nothing behind.
  }
}

export interface ContainerHealthArgs {
  containerName: pulumi.Input<string>;
  containerId: pulumi.Input<string>;
  timeoutSeconds?: pulumi.Input<number>;
  dockerHost?: pulumi.Input<string>;
  dockerCertPath?: pulumi.Input<string>;
}

// One provider for every resource of this type: the SDK serializes a dynamic provider once per
// instance (it caches by instance), and serializing is most of a program run's time.
const PROVIDER = new ContainerHealthProvider();

/** Ready when Docker reports the container healthy: what everything that needs the container waits for. */
export class ContainerHealth extends pulumi.dynamic.Resource {
  declare readonly healthyAt: pulumi.Output<string>;
  declare readonly waitedMs: pulumi.Output<number>;

  constructor(name: string, args: ContainerHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(PROVIDER, name, { timeoutSeconds: undefined, dockerHost: undefined, ...args, healthyAt: undefined, waitedMs: undefined }, opts, "pgstack", "ContainerHealth");
  }
}

/** The engine inputs of a check on `engine`: none for the environment's own engine (one host), so one-host inputs stay what they were. */
export function engineInputs(engine: { host?: string; certPath?: string } | undefined): { dockerHost?: string; dockerCertPath?: string } {
  return { ...(engine?.host ? { dockerHost: engine.host } : {}), ...(engine?.certPath ? { dockerCertPath: engine.certPath } : {}) };
}
