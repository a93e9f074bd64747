import * as pulumi from "@pulumi/pulumi";
import { changedKeys } from "./diffing";

// The stack's `backups` output: the manifest the backup container keeps (backup-manifest.sh),
// read through the Docker CLI. Provider code loads its modules inside its methods and calls only
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
}

export interface BackupManifest {
  generatedAt: string;
  dumps: { database: string; count: number; bytes: number; newest: string; newestAt: string; oldest: string }[];
  baseBackups: { stamp: string; startTime: string; endTime: string; bytes: number; startWal: string; verifiedAt: string }[];
  wal: { segments: number; bytes: number; oldest: string; newest: string; newestArchivedAt: string };
  recoveryWindow: { from: string; to: string };
  lastDumpRun: { status: string; finished: string; run: string } | null;
  lastBaseBackup: { status: string; finished: string; run: string } | null;
  lastDrill: { status: string; finished: string; run: string } | null;
}

export interface BackupCatalogOutputs extends BackupCatalogInputs {
  /** One line for people. */
  summary: string;
  manifest: BackupManifest;
}

/** The manifest in one line. */
export function summarizeManifest(m: BackupManifest): string {
  const parts: string[] = [];
  const newestBase = m.baseBackups[m.baseBackups.length - 1];
  parts.push(newestBase ? `${m.baseBackups.length} base backup(s), newest ${newestBase.stamp}` : "no base backup yet");
  parts.push(m.recoveryWindow.from && m.recoveryWindow.to ? `point-in-time restore ${m.recoveryWindow.from} .. ${m.recoveryWindow.to}` : "no point-in-time restore yet");
  parts.push(`${m.wal.segments} WAL segment(s) archived`);
  const dumps = m.dumps.reduce((n, d) => n + d.count, 0);
  parts.push(`${dumps} dump(s) of ${m.dumps.length} database(s)`);
  parts.push(m.lastDrill ? `last drill ${m.lastDrill.status} at ${m.lastDrill.finished}` : "no restore drill yet");
  return parts.join("; ");
}

async function readManifest(inputs: BackupCatalogInputs): Promise<BackupManifest> {
  const { execFile } = require("node:child_process") as typeof import("node:child_process");
  const text = await new Promise<string>((resolve, reject) => {
    execFile("docker", ["exec", inputs.containerName, "cat", inputs.manifestPath], { timeout: 30_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cannot read the backup manifest ${inputs.manifestPath} in ${inputs.containerName}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
  try {
    return JSON.parse(text) as BackupManifest;
  } catch {
    throw new Error(`the backup manifest in ${inputs.containerName} is not valid JSON: ${text.slice(0, 200)}`);
  }
}

async function catalog(inputs: BackupCatalogInputs, waitForBase: boolean): Promise<BackupCatalogOutputs> {
  const deadline = Date.now() + (waitForBase ? (inputs.waitForBaseBackupSeconds ?? 120) * 1000 : 0);
  let manifest = await readManifest(inputs);
  while (manifest.baseBackups.length === 0 && !manifest.lastBaseBackup && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    manifest = await readManifest(inputs);
  }
  return { ...inputs, summary: summarizeManifest(manifest), manifest };
}

export class BackupCatalogProvider implements pulumi.dynamic.ResourceProvider {
  async diff(_id: string, olds: BackupCatalogOutputs, news: BackupCatalogInputs): Promise<pulumi.dynamic.DiffResult> {
    const changes = changedKeys(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, ["containerName", "manifestPath", "trigger"]);
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
}

/** What the backup storage holds, for the stack's outputs. */
export class BackupCatalog extends pulumi.dynamic.Resource {
  declare readonly summary: pulumi.Output<string>;
  declare readonly manifest: pulumi.Output<BackupManifest>;

  constructor(name: string, args: BackupCatalogArgs, opts?: pulumi.CustomResourceOptions) {
    super(new BackupCatalogProvider(), name, { waitForBaseBackupSeconds: undefined, trigger: undefined, ...args, summary: undefined, manifest: undefined }, opts, "postgres", "BackupCatalog");
  }
}
