import { execFile } from "node:child_process";

// The docker CLI, for pgstack's operational commands (failover, status, verify). They act on the
// same engine `pulumi up` deployed to, through the same DOCKER_HOST, or on the engine a call names.

export interface DockerResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface DockerOptions {
  input?: string;
  timeoutMs?: number;
  /** The Docker engine to talk to (a DOCKER_HOST value); default the environment's. */
  host?: string;
  /** TLS client certificate directory of a tcp:// engine (DOCKER_CERT_PATH, with DOCKER_TLS_VERIFY). */
  certPath?: string;
}

/** Runs `docker args...`; resolves with the output and exit code, whatever the code. */
export function dockerRaw(args: string[], options: DockerOptions = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    const env =
      options.host || options.certPath
        ? { ...process.env, ...(options.host ? { DOCKER_HOST: options.host } : {}), ...(options.certPath ? { DOCKER_CERT_PATH: options.certPath, DOCKER_TLS_VERIFY: "1" } : {}) }
        : undefined;
    const child = execFile(
      "docker",
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000, encoding: "utf8", env },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs `docker args...` and returns trimmed stdout; throws with stderr when it fails. */
export async function docker(args: string[], options: DockerOptions = {}): Promise<string> {
  const result = await dockerRaw(args, options);
  if (result.code !== 0) {
    throw new Error(`docker ${args.join(" ")} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout.trim();
}

/** Where psql connects inside a container: PostgreSQL's socket as postgres, unless told otherwise. */
export interface PsqlTarget {
  /** Docker engine of the container (DOCKER_HOST); default the environment's. */
  host?: string;
  socketDir?: string;
  port?: number;
  database?: string;
  /** Database user; default psql's (the OS user, postgres). */
  user?: string;
}

function psqlArgs(container: string, sql: string, target: PsqlTarget, format: string[]): string[] {
  return [
    "exec", "-u", "postgres", container,
    "psql", "-h", target.socketDir ?? "/var/run/postgresql", ...(target.port ? ["-p", String(target.port)] : []),
    "-d", target.database ?? "postgres", ...(target.user ? ["-U", target.user] : []),
    "-X", "-q", "-v", "ON_ERROR_STOP=1", "-w", ...format, "-c", sql,
  ];
}

/**
 * Runs SQL inside a member's container as the postgres user over the local socket (peer
 * authentication): operations need no password. Returns rows of `|`-separated fields.
 */
export async function psqlIn(container: string, sql: string, timeoutMs = 30_000, target: PsqlTarget = {}): Promise<string[][]> {
  const out = await docker(psqlArgs(container, sql, target, ["-At"]), { timeoutMs, host: target.host });
  return out === "" ? [] : out.split("\n").map((line) => line.split("|"));
}

const UNIT_SEPARATOR = "\x1f";

/** Like psqlIn, but each row as an object keyed by column name (for PgBouncer's SHOW commands). */
export async function psqlRecordsIn(container: string, sql: string, timeoutMs = 30_000, target: PsqlTarget = {}): Promise<Record<string, string>[]> {
  const out = await docker(psqlArgs(container, sql, target, ["-A", "-F", UNIT_SEPARATOR, "-P", "footer=off"]), { timeoutMs, host: target.host });
  const [header, ...rows] = out.split("\n").filter((line) => line !== "");
  if (header === undefined) return [];
  const columns = header.split(UNIT_SEPARATOR);
  return rows.map((row) => Object.fromEntries(row.split(UNIT_SEPARATOR).map((v, i) => [columns[i] ?? `column${i}`, v])));
}

/** Reads a file inside a container. */
export function readIn(container: string, file: string, user = "postgres", options: DockerOptions = {}): Promise<string> {
  return docker(["exec", "-u", user, container, "cat", file], options).then((text) => `${text}\n`);
}

/** Replaces a file inside a container atomically (written beside it, then renamed). */
export async function writeIn(container: string, file: string, content: string, user = "postgres", options: DockerOptions = {}): Promise<void> {
  await docker(["exec", "-i", "-u", user, container, "sh", "-c", 'cat > "$1.new" && mv "$1.new" "$1"', "sh", file], { ...options, input: content });
}
