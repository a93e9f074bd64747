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
