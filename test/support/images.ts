import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot as findRepoRoot } from "./repoRoot";

export interface LocalImages {
  postgres: string;
  pgbouncer: string;
  /** The exporters of pgstack:monitoring, built from Debian's packages too. */
  postgresExporter: string;
  pgbouncerExporter: string;
}

const repoRoot = findRepoRoot();

/**
 * Starts a Docker engine when none answers and builds the local images when missing (both scripts
 * are no-ops when there is nothing to do), then returns the image names the build script printed.
 */
export function ensureDockerAndImages(): LocalImages {
  execFileSync("bash", [path.join(repoRoot, "scripts/docker-engine.sh")], { stdio: ["ignore", "inherit", "inherit"] });
  const out = execFileSync("bash", [path.join(repoRoot, "scripts/build-images.sh")], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  const images: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^(postgres|pgbouncer|postgresExporter|pgbouncerExporter)=(\S+)$/.exec(line.trim());
    if (m) images[m[1]] = m[2];
  }
  if (!images.postgres || !images.pgbouncer || !images.postgresExporter || !images.pgbouncerExporter) {
    throw new Error(`scripts/build-images.sh did not print all four image names:\n${out}`);
  }
  return { postgres: images.postgres, pgbouncer: images.pgbouncer, postgresExporter: images.postgresExporter, pgbouncerExporter: images.pgbouncerExporter };
}
