import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ClusterStatus } from "../../scripts/lib/status/model";
import { start, stop } from "../support/docker";
import { REPO_ROOT } from "./support/buildHarness";
import { outputsOf, type ClusterOutputs } from "./support/cluster";
import { E2EStack } from "./support/e2eStack";
import { fromUrl, query } from "./support/pg";
import { pollUntil } from "./support/poll";

// `npm run status` against a running production-shaped stack (two replicas, one synchronous;
// monitoring off, so status needs nothing but Docker): healthy, a replica stopped and back, the
// primary stopped as at the start of a failover, a stack that does not exist, --json and --watch.

const stack = new E2EStack({
  stack: "e2e-st-status",
  configFrom: "production",
  config: { images: inject("images"), protectData: false, ports: { primary: 31632, replicaBase: 31633, pgbouncer: 31732 }, monitoring: { enabled: false } },
});
let outputs: ClusterOutputs;

const STATUS_CLI = path.join(REPO_ROOT, "dist", "scripts", "status.js");
// The stack's topology and bounds: production's settings (two replicas).
const settings = ["--config-file", path.join(REPO_ROOT, "Pulumi.production.yaml")];

function status(args: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [STATUS_CLI, "--stack", stack.stack, ...settings, ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const statusJson = () => JSON.parse(status(["--json", "--quiet"]).stdout) as ClusterStatus;

beforeAll(async () => {
  outputs = outputsOf(await stack.up()); // builds dist/ when a source is newer, status.js included
  await query(fromUrl(outputs.writeUrl), "SELECT 1"); // a pool in PgBouncer
});
afterAll(async () => {
  await stack.cleanup();
});

describe("npm run status", () => {
  it("says healthy, exit 0, with every member, slot, pool and the backups read live", async () => {
    const r = status();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("VERDICT: HEALTHY (exit 0)");
    expect(r.stderr).toContain("status: reading 3 member(s): primary, replica-1, replica-2");
    const s = statusJson();
    expect(s.members.map((m) => [m.member, m.role, m.containerState, m.walSenderState ?? "-", m.timeline])).toEqual([
      ["primary", "primary", "running", "-", 1],
      ["replica-1", "replica", "running", "streaming", 1],
      ["replica-2", "replica", "running", "streaming", 1],
    ]);
    expect(s.members.filter((m) => m.role === "replica").map((m) => m.syncState)).toEqual(["quorum", "quorum"]);
    expect(s.slots?.map((x) => [x.name, x.active, x.client?.split(" ")[0], x.walStatus, x.limitBytes])).toEqual([
      ["replica_1", true, "replica-1", "reserved", 4 * 1024 ** 3],
      ["replica_2", true, "replica-2", "reserved", 4 * 1024 ** 3],
    ]);
    expect(s.pgbouncer?.reachable).toBe(true);
    expect(s.pgbouncer?.pools.find((p) => p.database === "app")).toMatchObject({ user: "app", clWaiting: 0, poolMode: "transaction" });
    expect(s.pgbouncer?.stats.find((x) => x.database === "app")?.totalQueries).toBeGreaterThanOrEqual(1);
    expect(s.archiver?.archivedCount).toBeGreaterThan(0);
    expect(s.backups?.manifest?.baseBackups.length).toBeGreaterThanOrEqual(1);
    expect(s.backups?.storageCreatedAt).toBeDefined();
  });

  it("exits 1 naming a stopped replica, then 0 once it is back and streaming", async () => {
    await stop(stack.container("replica-2"), 30);
    const down = status(["--quiet"]);
    expect(down.code, down.stdout).toBe(1);
    expect(down.stdout).toContain("VERDICT: DEGRADED (exit 1)\n  - replica-2 is stopped (container exited)\n");
    expect(down.stdout).toMatch(/^ {2}replica_2 +no +- /m); // its slot, inactive, keeps its WAL

    await start(stack.container("replica-2"));
    const back = await pollUntil("status healthy again", async () => {
      const r = status(["--quiet"]);
      return r.code === 0 ? r : undefined;
    }, 90_000, 1000);
    expect(back.stdout).toContain("VERDICT: HEALTHY (exit 0)");
  });

  it("still answers with the primary down, as a failover begins: no primary, replicas shown", async () => {
    await stop(stack.container("primary"), 60);
    try {
      const r = status(["--quiet"]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toContain("  - no member accepts writes: there is no primary (npm run failover promotes a replica)\n  - primary is stopped (container exited)\n");
      const s = statusJson();
      expect(s.members.filter((m) => m.role === "replica").map((m) => m.member)).toEqual(["replica-1", "replica-2"]);
      expect(s.slots).toBeUndefined();
    } finally {
      await start(stack.container("primary"));
    }
    await pollUntil("status healthy after the primary restarted", async () => (status(["--quiet"]).code === 0 ? true : undefined), 90_000, 1000);
  });

  it("exits 2 for a stack with no containers, and 64 for bad usage", () => {
    const r = spawnSync(process.execPath, [STATUS_CLI, "--stack", "e2e-st-nothing-here", "--quiet"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("VERDICT: UNREACHABLE (exit 2)\n  - no container of stack e2e-st-nothing-here on default");
    const bad = spawnSync(process.execPath, [STATUS_CLI, "--stak", "x"], { encoding: "utf8", timeout: 60_000 });
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain("status: unknown argument --stak");
  });

  it("redraws every 2 s with --watch", async () => {
    const child = spawn(process.execPath, [STATUS_CLI, "--stack", stack.stack, ...settings, "--watch"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      await pollUntil("two screens", async () => ((out.match(/VERDICT: HEALTHY/g) ?? []).length >= 2 ? true : undefined), 30_000, 200);
    } finally {
      child.kill("SIGINT");
    }
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    // Not a terminal: no colour and no screen clearing.
    expect(out).not.toContain("\x1b[");
  });
});
