import { docker, dockerRaw, type DockerResult } from "../test/support/docker";

// pgbench runs inside the stack's Docker network, in a throwaway container of the stack's own
// PostgreSQL image (the host has no pgbench 17). One container serves every run, so no run pays
// a container start. The password goes into a 0600 pgpass file through stdin, never into an
// environment variable or a command line.

/** Open files for 1000+ clients per pgbench process (the engine's own limit here is 20000). */
const NOFILE = 16_384;
const PGPASS = "/tmp/bench.pgpass";

export class PgbenchClient {
  private constructor(readonly container: string) {}

  /** Starts `<stack>-bench-client` on `pgstack-<stack>`, labelled as the stack's. */
  static async start(args: { stack: string; network: string; image: string; user: string; password: string }): Promise<PgbenchClient> {
    const container = `${args.stack}-bench-client`;
    await dockerRaw(["rm", "-f", container]);
    await docker([
      "run", "-d", "--name", container,
      "--network", args.network,
      "--label", `pgstack.stack=${args.stack}`,
      "--label", "pgstack.part=bench-client",
      "--ulimit", `nofile=${NOFILE}:${NOFILE}`,
      "--entrypoint", "sleep",
      args.image, "infinity",
    ]);
    const client = new PgbenchClient(container);
    const line = `*:*:*:${args.user}:${args.password.replace(/\\/g, "\\\\").replace(/:/g, "\\:")}\n`;
    const r = await dockerRaw(["exec", "-i", container, "sh", "-c", `umask 077 && cat > ${PGPASS}`], { input: line });
    if (r.code !== 0) throw new Error(`writing the bench client's pgpass failed: ${r.stderr}`);
    return client;
  }

  /** Runs a command in the client with the pgpass file; resolves whatever its exit code. */
  async exec(command: string[], timeoutMs: number): Promise<DockerResult & { durationMs: number }> {
    const started = Date.now();
    const r = await dockerRaw(["exec", "-e", `PGPASSFILE=${PGPASS}`, "-e", "PGCONNECT_TIMEOUT=10", this.container, ...command], { timeoutMs });
    return { ...r, durationMs: Date.now() - started };
  }

  /** `sh -c script` in the client; throws with its stderr when it fails. */
  async sh(script: string, timeoutMs = 120_000): Promise<string> {
    const r = await this.exec(["sh", "-c", script], timeoutMs);
    if (r.code !== 0) throw new Error(`bench client: ${script} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async remove(): Promise<void> {
    await dockerRaw(["rm", "-f", this.container]);
  }
}
