import { execFileSync, spawnSync } from "node:child_process";

/**
 * Prometheus' own `promtool`, installed from Debian when missing (package `promtool` on trixie,
 * part of `prometheus` on bookworm), the way scripts/docker-engine.sh installs docker.io.
 * Throws with what to do when it cannot be had.
 */
export function ensurePromtool(): string {
  const found = () => spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();
  let path = found();
  if (path) return path;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (!isRoot || !hasApt) {
    throw new Error("promtool is not installed: install Debian's `prometheus` package (bookworm) or `promtool` (trixie), or Prometheus from prometheus.io, so that promtool is on PATH");
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env, timeout: 300_000 });
  // trixie packages promtool on its own; bookworm ships it inside prometheus (whose service a
  // container's policy-rc.d keeps from starting).
  const standalone = spawnSync("apt-cache", ["show", "promtool"], { stdio: "ignore" }).status === 0;
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", standalone ? "promtool" : "prometheus"], { stdio: "ignore", env, timeout: 600_000 });
  path = found();
  if (!path) throw new Error("installed Debian's prometheus package, but promtool is still not on PATH");
  return path;
}

export interface PromtoolRun {
  code: number | null;
  output: string;
}

export function promtool(args: string[], cwd: string): PromtoolRun {
  const r = spawnSync(ensurePromtool(), args, { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}
