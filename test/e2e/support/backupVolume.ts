import { exec } from "../../support/docker";

// Looks into the backup storage the way an operator does: `docker exec <stack>-backup …`.

export const BACKUP_ROOT = "/var/lib/pgstack/backups";

/** Runs `sh -c script` in a container as `user` (default postgres); throws with its stderr on failure. */
export async function sh(container: string, script: string, user = "postgres"): Promise<string> {
  const r = await exec(container, ["sh", "-c", script], { user });
  if (r.code !== 0) throw new Error(`${container}: sh -c '${script}' exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Dump files of `database`, oldest first (names carry the run's UTC stamp). */
export async function dumpsOf(container: string, database: string): Promise<string[]> {
  const out = await sh(container, `ls -1 ${BACKUP_ROOT}/dumps/${database} 2>/dev/null || true`);
  return out.split("\n").filter((f) => f.endsWith(".dump")).sort();
}

/** `YYYYMMDDTHHMMSSZ` of a dump file name, as a Date. */
export function stampOf(file: string): Date {
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.dump$/.exec(file);
  if (!m) throw new Error(`not a dump file name: ${file}`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}
