import * as pulumi from "@pulumi/pulumi";
import { changedKeys } from "./diffing";

// The stack's `backups` output: the backup container's manifest (backup-manifest.sh), made afresh
// and read through the Docker CLI. Provider code loads its modules inside its methods and calls only
// module-level functions, so the engine's serialized copy works in its own process.

export interface BackupCatalogInputs {
  /** The backup container. */
  containerName: string;
  /** manifest.json inside it. */
  manifestPath: string;
  /** On create, wait this long for the first base backup to appear; default 120. */
  waitForBaseBackupSeconds?: number;
  /** Any value; changing it re-reads the manifest. */
  trigger?: string;
  /** DOCKER_HOST of the engine the backup container runs on; absent = the environment's. */
  dockerHost?: string;
  /** TLS client certificate directory of a tcp:// engine (DOCKER_CERT_PATH). */
  dockerCertPath?: string;
}

/** The last outcome of one job (status/last-run, last-base, last-drill). */
export interface JobStatus {
  /** ok, failed, running, or interrupted (recorded as running by a process that is gone). */
  status: string;
  finished: string;
  run: string;
  /** The step it failed or stopped at. */
  step?: string;
  error?: string;
}

export interface BackupManifest {
  generatedAt: string;
  dumps: { database: string; count: number; bytes: number; newest: string; newestAt: string; oldest: string }[];
  baseBackups: { stamp: string; startTime: string; endTime: string; bytes: number; startWal: string; endLsn?: string; verifiedAt: string; storedArchiveVerified?: boolean }[];
  wal: { segments: number; bytes: number; oldest: string; newest: string; newestArchivedAt: string; gaps?: number; firstGap?: string };
  /**
   * From the end of the oldest base backup the archive continues without a gap to the newest
   * archived segment. `archivedPastBase` false: the archive does not reach past the base backup's
   * end yet, so `from` = `to` = that end, the only point a restore can reach.
   */
  recoveryWindow: { from: string; to: string; base?: string; archivedPastBase?: boolean };
  /** pg_stat_archiver on the primary; null when it did not answer. */
  archiving?: { failing: boolean; failedCount: number; archivedCount: number; lastFailedWal: string; lastFailedAt: string; lastArchivedWal: string; lastArchivedAt: string } | null;
  lastDumpRun: JobStatus | null;
  lastBaseBackup: JobStatus | null;
  lastDrill: JobStatus | null;
}

export interface BackupCatalogOutputs extends BackupCatalogInputs {
  /** One line for people. */
  summary: string;
  manifest: BackupManifest;
}

/** The point-in-time window in words; never one that ends before it starts. */
export function describeRecoveryWindow(m: BackupManifest): string {
  const { from, to } = m.recoveryWindow;
  if (!from) return "no point-in-time restore yet";
  const base = m.recoveryWindow.base ?? m.baseBackups[m.baseBackups.length - 1]?.stamp ?? "?";
  const past = m.recoveryWindow.archivedPastBase ?? (to !== "" && Date.parse(to) >= Date.parse(from));
  if (past && to && Date.parse(to) > Date.parse(from)) return `point-in-time restore ${from} .. ${to}`;
  if (past && to === from) return `point-in-time restore to ${from} only`;
  return `point-in-time restore only to ${from}, the end of base backup ${base}: no WAL archived past it yet`;
}

function jobProblem(what: string, job: JobStatus | null): string | undefined {
  if (!job || (job.status !== "failed" && job.status !== "interrupted")) return undefined;
  const at = job.step ? ` at step ${job.step}` : "";
  const when = job.finished ? ` (${job.finished})` : job.run ? ` (run ${job.run})` : "";
  return `${what} ${job.status === "failed" ? "FAILED" : "INTERRUPTED"}${at}${when}${job.error ? `: ${job.error.slice(0, 160)}` : ""}`;
}

/** The manifest in one line: what is wrong first, then what there is. */
export function summarizeManifest(m: BackupManifest): string {
  const parts: string[] = [];
  const a = m.archiving;
  if (a?.failing) parts.push(`WAL ARCHIVING FAILING: ${a.failedCount} failed attempt(s), the last for ${a.lastFailedWal} at ${a.lastFailedAt}`);
  for (const p of [jobProblem("last base backup", m.lastBaseBackup), jobProblem("last dump run", m.lastDumpRun), jobProblem("last restore drill", m.lastDrill)]) {
    if (p) parts.push(p);
  }
  if (m.wal.gaps) parts.push(`the WAL archive has ${m.wal.gaps} gap(s), the first ${m.wal.firstGap ?? "?"}`);
  const newestBase = m.baseBackups[m.baseBackups.length - 1];
  parts.push(newestBase ? `${m.baseBackups.length} base backup(s), newest ${newestBase.stamp}` : "no base backup yet");
  parts.push(describeRecoveryWindow(m));
  parts.push(`${m.wal.segments} WAL segment(s) archived`);
  const dumps = m.dumps.reduce((n, d) => n + d.count, 0);
  parts.push(`${dumps} dump(s) of ${m.dumps.length} database(s)`);
  parts.push(m.lastDrill ? `last drill ${m.lastDrill.status} at ${m.lastDrill.finished}` : "no restore drill yet");
  return parts.join("; ");
}

/** Generates the manifest afresh and prints it: a full or read-only storage still answers. */
const MANIFEST_COMMAND = ["sh", "/pgstack/bin/backup-manifest.sh", "--print"];

/** The environment with the backup container's engine, when it is not the environment's own. */
function dockerEnv(inputs: BackupCatalogInputs): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (inputs.dockerHost) env.DOCKER_HOST = inputs.dockerHost;
  if (inputs.dockerCertPath) Object.assign(env, { DOCKER_CERT_PATH: inputs.dockerCertPath, DOCKER_TLS_VERIFY: "1" });
  return env;
}

async function readManifest(inputs: BackupCatalogInputs): Promise<BackupManifest> {
  const { execFile } = require("node:child_process") as typeof import("node:child_process");
  const run = (args: string[]) =>
    new Promise<{ ok: boolean; stdout: string; error: string }>((resolve) => {
      execFile("docker", ["exec", "-u", "postgres", inputs.containerName, ...args], { timeout: 60_000, encoding: "utf8", env: dockerEnv(inputs) }, (err, stdout, stderr) => {
        resolve({ ok: !err, stdout, error: (stderr || err?.message || "").trim() });
      });
    });
  let read = await run(MANIFEST_COMMAND);
  // The file the last job left, when the manifest cannot be made now.
  if (!read.ok || !read.stdout.trim()) read = await run(["cat", inputs.manifestPath]);
  if (!read.ok) throw new Error(`cannot read the backup manifest ${inputs.manifestPath} in ${inputs.containerName}: ${read.error}`);
  const text = read.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(text) as BackupManifest;
  } catch {
    throw new Error(`the backup manifest in ${inputs.containerName} is not valid JSON: ${text.slice(0, 200)}`);
  }
}

async function catalog(inputs: BackupCatalogInputs, waitForBase: boolean): Promise<BackupCatalogOutputs> {
  const deadline = Date.now() + (waitForBase ? (inputs.waitForBaseBackupSeconds ?? 120) * 1000 : 0);
  let manifest = await readManifest(inputs);
  // The first base backup is taken as the container starts: wait until it is done or has failed.
  const pending = (m: BackupManifest) => m.baseBackups.length === 0 && (!m.lastBaseBackup || m.lastBaseBackup.status === "running");
  while (pending(manifest) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    manifest = await readManifest(inputs);
  }
  return { ...inputs, summary: summarizeManifest(manifest), manifest };
}

export class BackupCatalogProvider implements pulumi.dynamic.ResourceProvider {
  async diff(_id: string, olds: BackupCatalogOutputs, news: BackupCatalogInputs): Promise<pulumi.dynamic.DiffResult> {
    const changes = changedKeys(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, ["containerName", "manifestPath", "trigger", "dockerHost", "dockerCertPath"]);
    return { changes: changes.length > 0, replaces: [] };
  }

  async create(inputs: BackupCatalogInputs): Promise<pulumi.dynamic.CreateResult<BackupCatalogOutputs>> {
    return { id: inputs.containerName, outs: await catalog(inputs, true) };
  }

  async update(_id: string, _olds: BackupCatalogOutputs, news: BackupCatalogInputs): Promise<pulumi.dynamic.UpdateResult<BackupCatalogOutputs>> {
    return { outs: await catalog(news, false) };
  }

  /** `pulumi refresh` re-reads the manifest. */
  async read(id: string, props: BackupCatalogOutputs): Promise<pulumi.dynamic.ReadResult<BackupCatalogOutputs>> {
    return { id, props: await catalog(props, false) };
  }

  async delete(): Promise<void> {
    // Reading a manifest leaves nothing behind.
  }
}

export interface BackupCatalogArgs {
  containerName: pulumi.Input<string>;
  manifestPath: pulumi.Input<string>;
  waitForBaseBackupSeconds?: pulumi.Input<number>;
  trigger?: pulumi.Input<string>;
  dockerHost?: pulumi.Input<string>;
  dockerCertPath?: pulumi.Input<string>;
}

// One provider for every resource of this type: the SDK serializes a dynamic provider once per
// instance (it caches by instance), and serializing is most of a program run's time.
const PROVIDER = new BackupCatalogProvider();

/** What the backup storage holds, for the stack's outputs. */
export class BackupCatalog extends pulumi.dynamic.Resource {
  declare readonly summary: pulumi.Output<string>;
  declare readonly manifest: pulumi.Output<BackupManifest>;

  constructor(name: string, args: BackupCatalogArgs, opts?: pulumi.CustomResourceOptions) {
    super(PROVIDER, name, { waitForBaseBackupSeconds: undefined, trigger: undefined, ...args, summary: undefined, manifest: undefined }, opts, "postgres", "BackupCatalog");
  }
}
