import { randomBytes } from "node:crypto";
import * as net from "node:net";

// A small wrapper around the docker CLI for tests: run, exec, inspect, remove, networks, and free
// loopback ports. Generic on purpose: nothing here knows about PostgreSQL.

// The CLI runner itself is the one pgstack's operational scripts use.
export { docker, dockerRaw, type DockerResult } from "../../scripts/lib/docker";
import { docker, dockerRaw, type DockerResult } from "../../scripts/lib/docker";

/** A unique name prefix for one test file's Docker objects, e.g. `pgstack-it-3f9a1c`. */
export function uniquePrefix(kind = "it"): string {
  return `pgstack-${kind}-${randomBytes(3).toString("hex")}`;
}

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  /** Default 127.0.0.1: tests publish on loopback only. */
  hostIp?: string;
}

export interface RunOptions {
  name: string;
  image: string;
  /** Command and arguments after the image. */
  command?: string[];
  entrypoint?: string;
  env?: Record<string, string>;
  network?: string;
  /** DNS aliases on `network`. */
  aliases?: string[];
  ports?: PortMapping[];
  /** Named volumes or host paths: `source:target`. */
  volumes?: string[];
  user?: string;
  labels?: Record<string, string>;
  /** Signal `docker stop` sends first, e.g. SIGINT for PostgreSQL's fast shutdown. */
  stopSignal?: string;
  /** Create the container without starting it. */
  createOnly?: boolean;
}

/** `docker run -d` (or `docker create`); returns the container id. */
export function runContainer(options: RunOptions): Promise<string> {
  const args = [options.createOnly ? "create" : "run", ...(options.createOnly ? [] : ["-d"]), "--name", options.name];
  if (options.network) args.push("--network", options.network);
  for (const alias of options.aliases ?? []) args.push("--network-alias", alias);
  for (const p of options.ports ?? []) args.push("-p", `${p.hostIp ?? "127.0.0.1"}:${p.hostPort}:${p.containerPort}`);
  for (const [key, value] of Object.entries(options.env ?? {})) args.push("-e", `${key}=${value}`);
  for (const volume of options.volumes ?? []) args.push("-v", volume);
  for (const [key, value] of Object.entries(options.labels ?? {})) args.push("--label", `${key}=${value}`);
  if (options.user) args.push("--user", options.user);
  if (options.stopSignal) args.push("--stop-signal", options.stopSignal);
  if (options.entrypoint !== undefined) args.push("--entrypoint", options.entrypoint);
  args.push(options.image, ...(options.command ?? []));
  return docker(args);
}

/** `docker exec [-u user] [-i] container cmd...`; never throws on a non-zero exit. */
export function exec(container: string, command: string[], options: { user?: string; input?: string } = {}): Promise<DockerResult> {
  const args = ["exec"];
  if (options.user) args.push("-u", options.user);
  if (options.input !== undefined) args.push("-i");
  args.push(container, ...command);
  return dockerRaw(args, { input: options.input });
}

export async function inspect<T = Record<string, unknown>>(nameOrId: string): Promise<T> {
  const parsed = JSON.parse(await docker(["inspect", nameOrId])) as T[];
  return parsed[0];
}

export async function isRunning(container: string): Promise<boolean> {
  const result = await dockerRaw(["inspect", "-f", "{{.State.Running}}", container]);
  return result.code === 0 && result.stdout.trim() === "true";
}

export function start(container: string): Promise<string> {
  return docker(["start", container]);
}

/** `docker stop -t seconds`. */
export function stop(container: string, seconds = 10): Promise<string> {
  return docker(["stop", "-t", String(seconds), container]);
}

export async function logs(container: string, tail = 50): Promise<string> {
  const result = await dockerRaw(["logs", "--tail", String(tail), container]);
  return `${result.stdout}${result.stderr}`;
}

/** Force-removes containers (with their anonymous volumes); missing ones are fine. */
export async function rm(...containers: string[]): Promise<void> {
  if (containers.length > 0) await dockerRaw(["rm", "-f", "-v", ...containers]);
}

export interface NetworkInfo {
  name: string;
  /** IPv4 subnet in CIDR form, e.g. 172.18.0.0/16. */
  subnet: string;
  gateway: string;
}

/** Creates a user-defined bridge network (DNS aliases work on those only). */
export async function createNetwork(name: string): Promise<NetworkInfo> {
  await docker(["network", "create", "--driver", "bridge", name]);
  const info = await inspect<{ IPAM: { Config: { Subnet: string; Gateway: string }[] } }>(name);
  const v4 = info.IPAM.Config.find((c) => c.Subnet.includes(".")) ?? info.IPAM.Config[0];
  return { name, subnet: v4.Subnet, gateway: v4.Gateway };
}

export async function removeNetwork(name: string): Promise<void> {
  await dockerRaw(["network", "rm", name]);
}

/** Removes every container, volume and network whose name starts with `prefix`. */
export async function removeAllWithPrefix(prefix: string): Promise<void> {
  const list = async (args: string[]) =>
    (await dockerRaw(args)).stdout
      .split("\n")
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  const containers = await list(["ps", "-a", "--filter", `name=${prefix}`, "--format", "{{.Names}}"]);
  await rm(...containers);
  const volumes = await list(["volume", "ls", "--filter", `name=${prefix}`, "--format", "{{.Name}}"]);
  if (volumes.length > 0) await dockerRaw(["volume", "rm", "-f", ...volumes]);
  for (const network of await list(["network", "ls", "--filter", `name=${prefix}`, "--format", "{{.Name}}"])) {
    await removeNetwork(network);
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
