import { execFile } from "node:child_process";

// The docker CLI, for pgstack's operational commands (failover, verify). They act on the same
// engine `pulumi up` deployed to, through the same DOCKER_HOST.

export interface DockerResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `docker args...`; resolves with the output and exit code, whatever the code. */
export function dockerRaw(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "docker",
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs `docker args...` and returns trimmed stdout; throws with stderr when it fails. */
export async function docker(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await dockerRaw(args, options);
  if (result.code !== 0) {
    throw new Error(`docker ${args.join(" ")} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout.trim();
}

/**
 * Runs SQL inside a member's container as the postgres user over the local socket (peer
 * authentication): operations need no password. Returns rows of `|`-separated fields.
 */
export async function psqlIn(container: string, sql: string, timeoutMs = 30_000): Promise<string[][]> {
  const out = await docker(
    ["exec", "-u", "postgres", container, "psql", "-h", "/var/run/postgresql", "-d", "postgres", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
    { timeoutMs },
  );
  return out === "" ? [] : out.split("\n").map((line) => line.split("|"));
}

/** Reads a file inside a container. */
export function readIn(container: string, file: string, user = "postgres"): Promise<string> {
  return docker(["exec", "-u", user, container, "cat", file]).then((text) => `${text}\n`);
}

/** Replaces a file inside a container atomically (written beside it, then renamed). */
export async function writeIn(container: string, file: string, content: string, user = "postgres"): Promise<void> {
  await docker(["exec", "-i", "-u", user, container, "sh", "-c", 'cat > "$1.new" && mv "$1.new" "$1"', "sh", file], { input: content });
}
