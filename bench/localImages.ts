import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { Images } from "./stacks";

// The stack runs the images scripts/build-images.sh builds from Debian's packages (no registry is
// reachable here); the script reuses an image built from the same recipe and prints the names.

/** `postgres=<image>` and `pgbouncer=<image>` lines → the two names; throws when one is missing. */
export function parseImageLines(out: string): Images {
  const images: Partial<Images> = {};
  for (const line of out.split("\n")) {
    const m = /^(postgres|pgbouncer)=(\S+)$/.exec(line.trim());
    if (m) images[m[1] as keyof Images] = m[2];
  }
  if (!images.postgres || !images.pgbouncer) throw new Error(`scripts/build-images.sh printed no image names:\n${out}`);
  return { postgres: images.postgres, pgbouncer: images.pgbouncer };
}

export function localImages(repoRoot: string): Images {
  const out = execFileSync("bash", [path.join(repoRoot, "scripts", "build-images.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  return parseImageLines(out);
}
