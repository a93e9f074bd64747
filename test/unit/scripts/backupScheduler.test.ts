import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CONTAINER_SCRIPT_DIR } from "../../../config/containerScripts";
import { ShellSandbox } from "../../support/shellSandbox";

// The scheduler under dash with a fake clock (test/support/shell-fakes/date and sleep: sleeping
// moves the clock on, and the clock can jump). Issue 14: when the backup container's clock jumps,
// schedules neither run twice nor skip a day. The jobs are stand-ins that record when they ran.

vi.setConfig({ testTimeout: 120_000 });

const SCHEDULES = { baseBackupSchedule: "30 2 * * *", schedule: "0 3 * * *", drillSchedule: "0 5 * * 0" };
const at = (iso: string) => String(Date.parse(iso) / 1000);
let sandbox: ShellSandbox;
afterEach(() => sandbox?.cleanup());

interface Run {
  runs: string[];
  log: string;
}

/** Runs the scheduler from `start` until the fake clock passes `end`, with clock jumps [when, to]. */
async function schedule(start: string, end: string, jumps: [string, string][] = [], durations: Record<string, number> = {}, statuses: Record<string, string> = {}): Promise<Run> {
  const jobs = path.join(require("node:os").tmpdir(), `pgstack-jobs-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(jobs);
  for (const [script, name] of [["backup-base.sh", "base"], ["backup-dumps.sh", "dumps"], ["backup-drill.sh", "drill"]]) {
    writeFileSync(path.join(jobs, script), `exec sh "$FAKE_DIR/fake-job.sh" ${name}\n`);
  }
  writeFileSync(path.join(jobs, "backup-manifest.sh"), "exit 0\n");
  for (const lib of ["utc-time.sh", "job-alive.sh"]) copyFileSync(path.join(CONTAINER_SCRIPT_DIR, lib), path.join(jobs, lib));
  sandbox = new ShellSandbox({ backup: SCHEDULES, scriptDir: jobs });
  // A base backup exists, so the scheduler does not take one as it starts.
  mkdirSync(path.join(sandbox.storage, "base", "20200101T000000Z"));
  sandbox.fixture("clock", at(start));
  sandbox.fixture("end", at(end));
  sandbox.fixture("jumps", jumps.map(([when, to]) => `${at(when)} ${at(to)}\n`).join(""));
  for (const [name, seconds] of Object.entries(durations)) sandbox.fixture(`duration-${name}`, String(seconds));
  mkdirSync(path.join(sandbox.runDir, "status"));
  for (const [name, text] of Object.entries(statuses)) writeFileSync(path.join(sandbox.runDir, "status", name), text);
  const r = await sandbox.runAsync(path.join(CONTAINER_SCRIPT_DIR, "backup-scheduler.sh"));
  require("node:fs").rmSync(jobs, { recursive: true, force: true });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  // What ran, and when: the scheduler's own log line as it starts each run.
  const runs = [...r.stdout.matchAll(/^(\S+):\d\dZ pgstack-backup: running backup-(base|dumps|drill)\.sh$/gm)].map((m) => `${m[2]} ${m[1]}`);
  return { runs, log: r.stdout };
}

describe("the backup scheduler", () => {
  it("runs a daily schedule once at its minute", async () => {
    const { runs } = await schedule("2026-12-01T02:58:00Z", "2026-12-01T03:04:00Z");
    expect(runs).toEqual(["dumps 2026-12-01T03:00"]);
  });

  it("runs a schedule the clock jumped over once, right after the jump", async () => {
    const { runs } = await schedule("2026-12-01T02:58:00Z", "2026-12-01T03:25:00Z", [["2026-12-01T02:59:00Z", "2026-12-01T03:20:00Z"]]);
    expect(runs).toEqual(["dumps 2026-12-01T03:20"]);
  });

  it("does not run a schedule again when the clock goes back over it, and still runs it the next day", async () => {
    const { runs, log } = await schedule("2026-12-01T02:59:00Z", "2026-12-02T03:03:00Z", [
      ["2026-12-01T03:02:00Z", "2026-12-01T02:50:00Z"],
      // The rest of the day, quickly: a forward step under a day, over the base backup's 02:30.
      ["2026-12-01T03:06:00Z", "2026-12-02T02:58:00Z"],
    ]);
    expect(runs).toEqual(["dumps 2026-12-01T03:00", "base 2026-12-02T02:58", "dumps 2026-12-02T03:00"]);
    expect(log).toMatch(/the clock went back by \d+ s: minutes up to the last one looked at are not run again/);
  });

  it("after a jump of days, runs each schedule due in the last day once, not once per day missed", async () => {
    // Tuesday 02:00 to Sunday 12:00: base (02:30 daily), dumps (03:00 daily) and drill (Sunday 05:00) each once.
    const { runs, log } = await schedule("2026-12-01T02:00:00Z", "2026-12-06T12:02:00Z", [["2026-12-01T02:01:00Z", "2026-12-06T12:00:00Z"]]);
    expect(runs).toEqual(["base 2026-12-06T12:00", "dumps 2026-12-06T12:00", "drill 2026-12-06T12:00"]);
    expect(log).toMatch(/the clock moved forward by \d+ s: schedules that came due in the last day run once now/);
  });

  it("takes a clock that went back more than a day for the right one, and goes on from it", async () => {
    const { runs, log } = await schedule("2026-12-05T02:59:00Z", "2026-12-01T03:02:00Z", [["2026-12-05T03:01:00Z", "2026-12-01T02:59:00Z"]]);
    expect(runs).toEqual(["dumps 2026-12-05T03:00", "dumps 2026-12-01T03:00"]);
    expect(log).toMatch(/the clock went back by \d+ s, more than a day: taking the new time as right/);
  });

  it("runs a schedule that came due during a long run once the run is over, instead of skipping the day", async () => {
    const { runs } = await schedule("2026-12-01T02:29:00Z", "2026-12-01T03:40:00Z", [], { base: 40 * 60 });
    // The base backup "takes" 40 minutes, plus 5 fake seconds per heartbeat the scheduler beats
    // while the fake job really runs (more on a busy machine): dumps follow it, the same day.
    expect(runs).toHaveLength(2);
    expect(runs[0]).toBe("base 2026-12-01T02:30");
    expect(runs[1]).toMatch(/^dumps 2026-12-01T03:[12]\d$/);
  });

  it("runs again at once a run that a kill or a container stop cut short, and only those", async () => {
    const { runs, log } = await schedule("2026-12-01T10:00:00Z", "2026-12-01T10:01:00Z", [], {}, {
      // Killed: still "running", and its process is gone.
      "last-run": "run=20261201T030000Z\nstatus=running\nstep=pg_dump\npid=999999\n",
      // Stopped by SIGTERM (docker stop): its trap recorded exit 143.
      "last-drill": "run=20261201T050000Z\nstatus=failed\nexit=143\nstep=base-restore\n",
      // A real failure waits for its schedule: running it again would only fail again.
      "last-base": "run=20261201T023000Z\nstatus=failed\nexit=1\nstep=pg_basebackup\n",
    });
    expect(runs).toEqual(["dumps 2026-12-01T10:00", "drill 2026-12-01T10:00"]);
    expect(log).toContain("the last backup-dumps.sh run was interrupted at step pg_dump: running it again now");
    expect(log).toContain("the last backup-drill.sh run was stopped at step base-restore: running it again now");
  });
});
