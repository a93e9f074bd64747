import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONTAINER_SCRIPT_DIR } from "../../../config/containerScripts";

const scripts = readdirSync(CONTAINER_SCRIPT_DIR).filter((f) => f.endsWith(".sh"));

describe("container scripts", () => {
  it.each(scripts)("%s is valid POSIX sh", (name) => {
    // dash is Debian's /bin/sh: stricter than bash, closer to busybox.
    expect(() => execFileSync("sh", ["-n", path.join(CONTAINER_SCRIPT_DIR, name)], { stdio: "pipe" })).not.toThrow();
  });

  it("are plain sh, never bash", () => {
    for (const name of scripts) {
      const text = require("node:fs").readFileSync(path.join(CONTAINER_SCRIPT_DIR, name), "utf8") as string;
      expect(text.split("\n")[0], name).toBe("#!/bin/sh");
      expect(text, `${name} uses [[ ]]`).not.toMatch(/\[\[ /);
      expect(text, `${name} uses local arrays or bash-only syntax`).not.toMatch(/^\s*(declare|local -a|readarray|mapfile)\b/m);
    }
  });
});

describe("postgres-member.sh's restart settings", () => {
  // The function, cut out of the script and run alone under dash with the container's arguments.
  const script = require("node:fs").readFileSync(path.join(CONTAINER_SCRIPT_DIR, "postgres-member.sh"), "utf8") as string;
  const fn = script.slice(script.indexOf("write_restart_settings() {"), script.indexOf("\nwrite_restart_settings \"$@\""));
  const run = (args: string[]) => {
    const dir = require("node:fs").mkdtempSync(path.join(require("node:os").tmpdir(), "pgstack-restart-"));
    try {
      const out = execFileSync("dash", ["-c", `say() { echo "$*" >&2; }; run=${dir}; ${fn}\nwrite_restart_settings "$@"; cat "$run/postgresql.restart.conf"`, "sh", ...args], { encoding: "utf8", stdio: "pipe" });
      return out.split("\n").filter((l) => l && !l.startsWith("#"));
    } finally {
      require("node:fs").rmSync(dir, { recursive: true, force: true });
    }
  };

  it("writes each -c name=value as a quoted line, doubling quotes", () => {
    expect(run(["-c", "shared_buffers=256MB", "-c", "cluster_name=it's", "-c", "shared_preload_libraries=a, b"])).toEqual([
      "shared_buffers = '256MB'",
      "cluster_name = 'it''s'",
      "shared_preload_libraries = 'a, b'",
    ]);
  });

  it("refuses anything but -c name=value pairs", () => {
    expect(() => run(["-c"])).toThrow(/a lone '-c'/);
    expect(() => run(["--shared_buffers", "1"])).toThrow(/expected -c name=value pairs/);
  });
});
