import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { CONTAINER_SCRIPT_DIR, standaloneScript } from "../../../config/containerScripts";
import { IMAGE_UTILITIES, POSTGRES_PROGRAMS, USER_SWITCHERS } from "../../support/imageContract";
import { codeOf, commandsOf, functionsOf } from "../../support/shellWords";
import { ensureShellTools } from "../../support/shellTools";

// These spawn shells: generous bounds, the machine may be busy.
vi.setConfig({ testTimeout: 120_000 });

// Issue 14, items 4 and 5: every container script is clean under `shellcheck -s sh`, runs under
// set -eu, uses no GNU-only option, and calls nothing an image is not documented to provide.

const scripts = readdirSync(CONTAINER_SCRIPT_DIR).filter((f) => f.endsWith(".sh")).sort();
const source = (name: string) => readFileSync(path.join(CONTAINER_SCRIPT_DIR, name), "utf8");
const repoRoot = path.join(__dirname, "..", "..", "..");

beforeAll(() => ensureShellTools(), 600_000);

describe("shellcheck -s sh", () => {
  it.each(scripts)("%s has no finding", (name) => {
    // -x follows `. backup-job.sh` (found next to the script); every severity counts.
    const r = spawnSync("shellcheck", ["--norc", "-s", "sh", "-x", "-P", "SCRIPTDIR", name], { cwd: CONTAINER_SCRIPT_DIR, encoding: "utf8" });
    expect(r.stdout + r.stderr, `shellcheck -s sh -x ${name}`).toBe("");
    expect(r.status).toBe(0);
  }, 60_000);
});

describe("strict and portable", () => {
  // Scripts sourced into others get their options from the script that sources them.
  const SOURCED = ["backup-job.sh", "utc-time.sh", "job-alive.sh"];

  it.each(scripts.filter((s) => !SOURCED.includes(s)))("%s runs with set -eu", (name) => {
    expect(source(name)).toMatch(/^set -eu$/m);
  });

  it.each(scripts)("%s parses under dash", (name) => {
    expect(() => execFileSync("dash", ["-n", path.join(CONTAINER_SCRIPT_DIR, name)], { stdio: "pipe" })).not.toThrow();
  });

  // GNU (or other non-POSIX) forms the scripts once used or easily might. Each has a POSIX way.
  const NON_POSIX: [RegExp, string][] = [
    [/\bdate\b[^|;\n]*\s-d\b/, "date -d (parse with epoch_iso)"],
    [/\bdate\b[^|;\n]*\+%s\b(?!%3N)/, "date +%s (use now)"],
    [/\bstat\b/, "stat (not POSIX; record times in files)"],
    [/\bdu\s+-/, "du -sb (sum sizes)"],
    [/-maxdepth\b/, "find -maxdepth (use dir/. ! -name . -prune)"],
    [/-mmin\b/, "find -mmin (use -mtime)"],
    [/\bmktemp\b/, "mktemp"],
    [/\bsed\b[^\n]*\\\|/, "\\| in a sed expression"],
    [/\bsed\s+-i\b/, "sed -i"],
    [/\bgrep\s+-[a-zA-Z]*P/, "grep -P"],
    [/\bhead\s+-c\b/, "head -c"],
    [/\breadlink\b/, "readlink"],
    [/\bseq\b/, "seq"],
    [/\blocal\s/, "local"],
    [/\$\{[A-Za-z_]+:[0-9]/, "${var:offset}"],
    [/\bset -o pipefail\b/, "pipefail"],
  ];
  it.each(scripts)("%s uses no GNU-only option", (name) => {
    const code = codeOf(source(name));
    for (const [pattern, what] of NON_POSIX) {
      const hit = code.split("\n").find((line) => pattern.test(line));
      expect(hit, `${name}: ${what}`).toBeUndefined();
    }
  });

  it.each(scripts)("%s calls only what README.md says an image must provide", (name) => {
    const job = new Set(["backup-job.sh", "utc-time.sh", "job-alive.sh"].flatMap((lib) => [...functionsOf(codeOf(source(lib)))]));
    const allowed = new Set<string>([...IMAGE_UTILITIES, ...POSTGRES_PROGRAMS, ...USER_SWITCHERS, "sh", "pgbouncer"]);
    const extra = [...commandsOf(source(name), job)].filter((c) => !allowed.has(c));
    expect(extra, `${name} calls ${extra.join(", ")}`).toEqual([]);
  });

  it("README.md names every utility and program the scripts may use", () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### What an image must provide"));
    expect(section.length).toBeGreaterThan(0);
    const body = section.slice(0, section.indexOf("\n#", 5) > 0 ? section.indexOf("\n#", 5) : undefined);
    for (const word of [...IMAGE_UTILITIES, ...POSTGRES_PROGRAMS, ...USER_SWITCHERS]) expect(body, word).toContain(`\`${word}\``);
    expect(body).toMatch(/uid 999/);
    expect(body).toMatch(/uid 100/);
  });

  it("the health check and the manifest ask pg_stat_archiver the same question", () => {
    const query = (name: string) => /^query="(.*)"$/m.exec(source(name))?.[1];
    expect(query("backup-health.sh")).toBeDefined();
    expect(query("backup-health.sh")).toBe(query("backup-manifest.sh"));
  });
});

describe("UTC arithmetic in POSIX sh", () => {
  const FUNCTIONS = ["epoch_of", "now", "epoch_iso", "civil_of"];
  /** A function's definition: from `name() {` to the first `}` at the start of a line. */
  const definition = (text: string, fn: string) => {
    const m = new RegExp(`^${fn}\\(\\) \\{\\n[\\s\\S]*?^\\}$`, "m").exec(text);
    return m?.[0];
  };

  it("lives in utc-time.sh alone, which every script using it sources", () => {
    for (const fn of FUNCTIONS) expect(definition(source("utc-time.sh"), fn), fn).toBeDefined();
    for (const s of scripts.filter((name) => name !== "utc-time.sh")) {
      for (const fn of FUNCTIONS) expect(definition(source(s), fn), `${fn} defined again in ${s}`).toBeUndefined();
      const uses = FUNCTIONS.some((fn) => new RegExp(`(^|[\\s;(])${fn}( |$)`, "m").test(codeOf(source(s))));
      const sources = (lib: string) => new RegExp(`^\\. "\\$\\{PGSTACK_(?:BIN:-/pgstack/bin|CONF:-/pgstack/conf)\\}/${lib}"$|^\\. "\\$bin/${lib}"$`, "m").test(source(s));
      // Directly, or through backup-job.sh (which the jobs source).
      if (uses) expect(sources("utc-time.sh") || sources("backup-job.sh"), `${s} uses ${FUNCTIONS.join("/")} and sources utc-time.sh`).toBe(true);
      else expect(sources("utc-time.sh"), `${s} sources utc-time.sh but uses none of it`).toBe(false);
    }
  });

  it("arrives inlined where restore-plan.sh runs from stdin, with no bin directory beside it", () => {
    const standalone = standaloneScript("restore-plan.sh");
    expect(standalone).not.toMatch(/utc-time\.sh"$/m);
    expect(definition(standalone, "epoch_iso")).toBe(definition(source("utc-time.sh"), "epoch_iso"));
    // As `pulumi up` runs it: `sh -s -- <source> base <time>` on stdin, PGSTACK_BIN pointing nowhere.
    const r = spawnSync("dash", ["-s", "--", "/nonexistent", "base", "2026-12-01T10:00:00Z"], { input: standalone, encoding: "utf8", env: { PATH: process.env.PATH, PGSTACK_BIN: "/nonexistent" } });
    expect(r.stderr).not.toMatch(/utc-time|not found/);
    expect(r.stderr).toMatch(/pgstack-restore: /);
    expect(r.status).toBe(1);
  });

  it("agrees with JavaScript's Date on 400 times from 1970 to 2200, leap days and month ends included", () => {
    const lib = source("utc-time.sh");
    const times: number[] = [0, Date.UTC(2000, 1, 29, 23, 59, 59), Date.UTC(2024, 1, 29, 12), Date.UTC(2100, 2, 1), Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2038, 0, 19, 3, 14, 8)];
    let seed = 42;
    while (times.length < 400) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      times.push(Math.floor((seed / 2 ** 31) * Date.UTC(2200, 0, 1) / 1000) * 1000);
    }
    const lines = times.map((t) => {
      const iso = new Date(t).toISOString();
      return `epoch_iso ${iso} || echo bad; a=$epoch; civil_of $a; echo "$a $year $month $day $hour $minute $second $dow"`;
    });
    const out = execFileSync("dash", ["-c", `set -eu\n${lib}\n${lines.join("\n")}`], { encoding: "utf8" }).trim().split("\n");
    expect(out).toHaveLength(times.length);
    out.forEach((line, i) => {
      const d = new Date(times[i]);
      expect(line, d.toISOString()).toBe([times[i] / 1000, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCDay()].join(" "));
    });
  });

  it("refuses what is not an ISO 8601 UTC time", () => {
    const lib = source("utc-time.sh");
    for (const bad of ["", "2026-12-01", "2026-12-01 10:00:00Z", "2026-12-01T10:00:00+02:00", "yesterday", "2026-13-01T00:00:00"]) {
      const r = spawnSync("dash", ["-c", `${lib}\nepoch_iso "$1"`, "sh", bad]);
      expect(r.status, bad).toBe(1);
    }
  });
});
