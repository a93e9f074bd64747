import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../config/defaults";
import { judge } from "../../../scripts/lib/status/judge";
import { loadSettings, parseStatusArgs, thresholdsFor, UsageError } from "../../../scripts/lib/status/options";
import { renderJson, renderText, table } from "../../../scripts/lib/status/render";
import { healthy, member, NOW } from "./fixtures";

const withVerdict = (s: ReturnType<typeof healthy>) => ({ ...s, verdict: judge(s, NOW) });

describe("the status screen", () => {
  it("aligns columns", () => {
    expect(table(["a", "long header"], [["value", "x"], ["v", "yy"]])).toEqual(["  a      long header", "  value  x", "  v      yy"]);
  });

  it("shows members, slots, pools, backups and the verdict, without colour unless asked", () => {
    const text = renderText(withVerdict(healthy()), { colour: false });
    expect(text).not.toContain("\x1b[");
    expect(text).toContain("pgstack status: stack prod, 2026-12-02T12:00:00.000Z (Docker host default; settings from Pulumi.prod.yaml)");
    expect(text).toMatch(/^ {2}member {5}role {5}container {8}timeline {2}lsn {8}lag \(bytes, replay\) {2}walsender\/sync {4}uptime {2}pending restart$/m);
    expect(text).toMatch(/^ {2}replica-1 {2}replica {2}running\/healthy {2}1 {9}0\/9000148 {2}0 B, 0s {14}streaming\/quorum {2}2h {6}-$/m);
    expect(text).toMatch(/^ {2}replica_1 {2}yes {5}replica-1 \(172\.18\.0\.3\) {2}0 B {7}4\.0 GiB {17}reserved$/m);
    expect(text).toContain("\n  app       app   12         0           3          5        0.0 s    transaction\n");
    expect(text).toContain("  app: 1200 queries, 1100 transactions, avg query 0.42 ms, avg wait 0.01 ms");
    expect(text).toContain("  WAL archiving:  40 archived, last 000000010000000000000028 30s ago; no failures");
    expect(text).toContain("  restore window: point-in-time restore 2026-12-02T02:31:10Z .. 2026-12-02T11:59:30Z");
    expect(text).toContain("  newest dumps:   app 8h 59m ago, postgres 8h 59m ago; last run ok 8h 59m ago");
    expect(text).toContain("  base backup:    20261202T023000Z (9h 28m ago), 1 kept; last run ok 9h 28m ago");
    expect(text).toContain("  restore drill:  ok 3d 6h ago");
    expect(text.trimEnd().endsWith("VERDICT: HEALTHY (exit 0)")).toBe(true);
  });

  it("lists each reason on its own line under the verdict, coloured on a terminal", () => {
    const s = withVerdict(healthy({ members: [member("primary"), member("replica-1"), member("replica-2", { role: "stopped", containerState: "exited" })] }));
    const plain = renderText(s, { colour: false });
    expect(plain.trimEnd().split("\n").slice(-2)).toEqual(["VERDICT: DEGRADED (exit 1)", "  - replica-2 is stopped (container exited)"]);
    const coloured = renderText(s, { colour: true });
    expect(coloured).toContain("\x1b[33m\x1b[1mVERDICT: DEGRADED\x1b[0m\x1b[0m");
    expect(coloured).toContain("\x1b[31mstopped\x1b[0m");
  });

  it("says what it cannot know when there is no primary or no PgBouncer", () => {
    const s = withVerdict(healthy({ primary: undefined, slots: undefined, archiver: undefined, pgbouncer: { ...healthy().pgbouncer!, reachable: false, error: "container exited" } }));
    const text = renderText(s, { colour: false });
    expect(text).toContain("  unknown: no primary to read them from");
    expect(text).toContain("  WAL archiving:  unknown (no primary answers)");
    expect(text).toContain("  prod-pgbouncer: not answering (container exited)");
  });

  it("prints the whole status as JSON", () => {
    const s = withVerdict(healthy());
    expect(JSON.parse(renderJson(s))).toEqual(JSON.parse(JSON.stringify(s)));
  });
});

describe("status options", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pgstack-status-opts-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads flags, and DOCKER_HOST when no --docker-host is given", () => {
    expect(parseStatusArgs(["--stack", "prod", "--json", "--docker-host", "ssh://a", "--docker-host", "ssh://b", "--max-lag-seconds", "10"], { DOCKER_HOST: "unix:///x" })).toEqual({
      stack: "prod",
      json: true,
      watch: false,
      quiet: false,
      hosts: ["ssh://a", "ssh://b"],
      overrides: { maxLagSeconds: 10 },
      help: false,
    });
    expect(parseStatusArgs(["--stack", "prod", "--watch"], { DOCKER_HOST: "unix:///x" }).hosts).toEqual(["unix:///x"]);
    expect(parseStatusArgs(["--help"]).help).toBe(true);
  });

  it.each<[string[], RegExp]>([
    [[], /--stack is required/],
    [["--stack"], /--stack needs a value/],
    [["--stack", "Prod!"], /is not a stack name/],
    [["--stack", "p", "--max-lag-bytes", "lots"], /--max-lag-bytes must be a whole number, got "lots"/],
    [["--stack", "p", "--verbose"], /unknown argument --verbose/],
  ])("refuses %j with a clear message", (argv, message) => {
    expect(() => parseStatusArgs(argv)).toThrow(UsageError);
    expect(() => parseStatusArgs(argv)).toThrow(message);
  });

  it("takes the topology and bounds from the stack file, flags over settings", () => {
    writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  pgstack:replicas: 2\n  pgstack:backup:\n    schedule: 0 */6 * * *\n  pgstack:monitoring:\n    maxLagSeconds: 12\n");
    const loaded = loadSettings(parseStatusArgs(["--stack", "prod"]), ["/nonexistent", dir]);
    expect(loaded.from).toBe("Pulumi.prod.yaml");
    expect(loaded.expectedMembers).toEqual(["primary", "replica-1", "replica-2"]);
    expect(thresholdsFor(loaded.settings, { maxLagBytes: 1024 })).toEqual({
      maxLagSeconds: 12,
      maxLagBytes: 1024,
      maxClientWaitSeconds: DEFAULTS.monitoring.maxClientWaitSeconds,
      backupGraceMinutes: 60,
      dumpSchedule: "0 */6 * * *",
      baseBackupSchedule: DEFAULTS.backup.baseBackupSchedule,
    });
  });

  it("works without a stack file (state and config elsewhere), and refuses a bad or missing one", () => {
    const loaded = loadSettings(parseStatusArgs(["--stack", "elsewhere"]), [dir]);
    expect(loaded.expectedMembers).toBeUndefined();
    expect(loaded.from).toBe("defaults and flags (no Pulumi.elsewhere.yaml found)");
    expect(() => loadSettings(parseStatusArgs(["--stack", "p", "--config-file", path.join(dir, "nope.yaml")]), [])).toThrow(/does not exist/);
    writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config:\n  pgstack:replicas: twelve\n");
    expect(() => loadSettings(parseStatusArgs(["--stack", "bad"]), [dir])).toThrow(/pgstack:replicas = "twelve": must be an integer from 0 to 9/);
  });
});
