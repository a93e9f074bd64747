import { execFile } from "node:child_process";
import * as path from "node:path";
import { dockerRaw } from "../../support/docker";
import { repoRoot } from "../../support/repoRoot";

// The Docker hosts of the multi-host scenarios: scripts/test-hosts.sh makes h1..hN on this machine
// (a dockerd per network namespace, on a bridge at 10.231.0.0/24) and loads the local images into
// each. Only the hosts' own addresses are ever sent traffic.

export interface TestHost {
  name: string;
  /** Its engine's DOCKER_HOST URL. */
  docker: string;
  address: string;
}

const SCRIPT = path.join(repoRoot(), "scripts/test-hosts.sh");

function run(args: string[], timeoutMs = 900_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [SCRIPT, ...args], { timeout: timeoutMs, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`test-hosts.sh ${args.join(" ")} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Makes (or joins) hosts h1..hN with `images` loaded, this process recorded as one of their users. */
export async function testHostsUp(count: number, images: string[]): Promise<TestHost[]> {
  if (process.getuid?.() !== 0) throw new Error("the multi-host scenarios make network namespaces, a bridge and dockerds: run them as root (CI does)");
  const out = await run(["up", String(count), "--user", String(process.pid), ...images]);
  return out
    .split("\n")
    .map((line) => /^host (h\d) docker=(\S+) address=(\S+) /.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1], docker: m[2], address: m[3] }));
}

/** Leaves the hosts; the last user takes them down (test-hosts.sh release). */
export async function testHostsRelease(): Promise<void> {
  await run(["release", String(process.pid)]);
}

/** cut | uncut | stop | start a host. */
export async function testHost(command: "cut" | "uncut" | "stop" | "start", host: string): Promise<void> {
  await run([command, host], 120_000);
}

/** What a stack left on one host, by its label. */
export async function leftoversOn(host: TestHost, stack: string): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
  const list = async (args: string[], format = "{{.Name}}") => {
    const r = await dockerRaw([...args, "--filter", `label=pgstack.stack=${stack}`, "--format", format], { host: host.docker, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")} on ${host.name}: ${r.stderr}`);
    return r.stdout.split("\n").map((l) => l.trim().replace(/^\//, "")).filter(Boolean).sort();
  };
  return { containers: await list(["ps", "-a"], "{{.Names}}"), volumes: await list(["volume", "ls"]), networks: await list(["network", "ls"]) };
}

/** Force-removes what a stack left on a host (the last resort of a cleanup); an engine that is down is skipped. */
export async function removeLeftoversOn(host: TestHost, stack: string): Promise<void> {
  const found = await leftoversOn(host, stack).catch(() => undefined);
  if (!found) return;
  if (found.containers.length > 0) await dockerRaw(["rm", "-f", "-v", ...found.containers], { host: host.docker });
  if (found.volumes.length > 0) await dockerRaw(["volume", "rm", "-f", ...found.volumes], { host: host.docker });
  for (const n of found.networks) await dockerRaw(["network", "rm", n], { host: host.docker });
}
