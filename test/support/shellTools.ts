import { execFileSync, spawnSync } from "node:child_process";

// The unit suite runs the container scripts under dash and checks them with shellcheck (Debian's
// packages `dash` and `shellcheck`). On a fresh Debian machine run as root they are installed, the
// way scripts/docker-engine.sh installs docker.io; anywhere else a missing one is a clear error.

const PACKAGES: Record<string, string> = { dash: "dash", shellcheck: "shellcheck" };

function has(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

let ensured = false;

/** Makes sure `dash` and `shellcheck` are on PATH; throws saying how to get them when it cannot. */
export function ensureShellTools(): void {
  if (ensured) return;
  const missing = Object.keys(PACKAGES).filter((t) => !has(t));
  if (missing.length > 0) {
    const packages = missing.map((t) => PACKAGES[t]);
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    if (!isRoot || !has("apt-get")) {
      throw new Error(`the container-script tests need ${missing.join(" and ")}: install them (Debian: apt-get install ${packages.join(" ")}) and run the tests again`);
    }
    process.stderr.write(`shell tools: installing ${packages.join(" ")} from Debian's packages\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => spawnSync("apt-get", ["install", "-y", "-qq", ...packages], { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    let r = install();
    if (r.status !== 0) {
      execFileSync("apt-get", ["update", "-qq"], { env, stdio: ["ignore", "ignore", "inherit"] });
      r = install();
    }
    const still = missing.filter((t) => !has(t));
    if (r.status !== 0 || still.length > 0) {
      throw new Error(`could not install ${packages.join(" ")} with apt-get (${(r.stderr ?? "").trim().split("\n").pop()}); install them and run the tests again`);
    }
  }
  ensured = true;
}
