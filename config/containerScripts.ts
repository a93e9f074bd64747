import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** The shell scripts pgstack uploads into its containers (config/container-scripts/*.sh). */
export type ContainerScript =
  | "entrypoint.sh"
  | "postgres-member.sh"
  | "apply-live-config.sh"
  | "install-tls.sh"
  | "archive-wal.sh"
  | "restore-wal.sh"
  | "restore-plan.sh"
  | "restore-bootstrap.sh"
  | "restore-dump.sh"
  | "backup-scheduler.sh"
  | "backup-job.sh"
  | "backup-dumps.sh"
  | "backup-base.sh"
  | "backup-drill.sh"
  | "backup-manifest.sh"
  | "backup-health.sh"
  | "exporter-entrypoint.sh"
  | "utc-time.sh"
  | "job-alive.sh";

// Works from the sources (config/) and from the compiled program (dist/config/), which tsc does
// not copy the scripts into.
const candidates = [path.join(__dirname, "container-scripts"), path.join(__dirname, "..", "..", "config", "container-scripts")];
const scriptDir = candidates.find((dir) => existsSync(dir)) ?? candidates[0];

const cache = new Map<ContainerScript, string>();

export function containerScript(name: ContainerScript): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(scriptDir, name), "utf8");
    cache.set(name, text);
  }
  return text;
}

export const CONTAINER_SCRIPT_DIR = scriptDir;

/** A script's line that sources another of pgstack's scripts from the bin directory. */
const SOURCE_LINE = /^\. "\$\{PGSTACK_BIN:-\/pgstack\/bin\}\/([a-z-]+\.sh)"$/gm;

/**
 * A script that stands alone, for where it arrives on stdin with no bin directory beside it
 * (restore-plan.sh in the throwaway container `pulumi up` checks a restore source in): each
 * script it sources is inlined in place of the line that sources it.
 */
export function standaloneScript(name: ContainerScript): string {
  return containerScript(name).replace(SOURCE_LINE, (_line, sourced: string) => containerScript(sourced as ContainerScript).replace(/^#!.*\n/, "").trimEnd());
}
