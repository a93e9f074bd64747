import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CONTAINER_SCRIPT_DIR } from "../../config/containerScripts";
import { DEFAULTS } from "../../config/defaults";
import { renderBackupEnv } from "../../config/renderBackupEnv";
import type { StackSettings } from "../../config/settings";
import { IMAGE_UTILITIES } from "./imageContract";
import { ensureShellTools } from "./shellTools";

// A place to run pgstack's container scripts under dash without Docker: fixture directories for
// the backup storage, the run directory and backup.env, and a bin directory that is the scripts'
// whole PATH: the utilities an image must provide (imageContract.ts) and fakes of PostgreSQL's
// programs (shell-fakes/). Faults are asked for by writing a mode into fakes/faults/<tool>.

const FAKES_SOURCE = path.join(__dirname, "shell-fakes");
/** Wrappers of host utilities that can inject a fault (they run the real one otherwise). */
const WRAPPED = ["cp", "tar", "gzip", "date", "sleep"];
const POSTGRES_FAKES = ["pg_basebackup", "pg_verifybackup", "pg_archivecleanup", "psql", "pg_dump", "pg_restore", "pg_dumpall"];

export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SandboxOptions {
  backup?: Partial<StackSettings["backup"]>;
  /** PGSTACK_BIN: where scripts find each other; the real scripts unless given. */
  scriptDir?: string;
}

function hostTool(name: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const found = r.stdout.trim();
  if (r.status !== 0 || !found.startsWith("/")) throw new Error(`the host has no ${name}, which the sandbox's bin needs`);
  return realpathSync(found);
}

/** Parses key=value lines (status files, info files, NAME.sum). */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export class ShellSandbox {
  readonly dir: string;
  readonly bin: string;
  readonly fakes: string;
  readonly storage: string;
  readonly runDir: string;
  readonly conf: string;
  readonly scriptDir: string;
  private readonly dash: string;

  constructor(options: SandboxOptions = {}) {
    ensureShellTools();
    this.dash = hostTool("dash");
    this.dir = mkdtempSync(path.join(tmpdir(), "pgstack-sh-"));
    this.bin = path.join(this.dir, "bin");
    this.fakes = path.join(this.dir, "fakes");
    this.storage = path.join(this.dir, "backups");
    this.runDir = path.join(this.dir, "run");
    this.conf = path.join(this.dir, "conf");
    this.scriptDir = options.scriptDir ?? CONTAINER_SCRIPT_DIR;
    for (const d of [this.bin, path.join(this.fakes, "faults"), this.runDir, this.conf]) mkdirSync(d, { recursive: true });
    for (const tool of IMAGE_UTILITIES) {
      if (!WRAPPED.includes(tool)) symlinkSync(hostTool(tool), path.join(this.bin, tool));
    }
    symlinkSync(this.dash, path.join(this.bin, "sh"));
    for (const fake of [...WRAPPED, ...POSTGRES_FAKES]) {
      copyFileSync(path.join(FAKES_SOURCE, fake), path.join(this.bin, fake));
      chmodSync(path.join(this.bin, fake), 0o755);
    }
    copyFileSync(path.join(FAKES_SOURCE, "_lib.sh"), path.join(this.fakes, "_lib.sh"));
    copyFileSync(path.join(FAKES_SOURCE, "fake-job.sh"), path.join(this.fakes, "fake-job.sh"));
    this.initStorage();
    const backup = { ...DEFAULTS.backup, ...(options.backup ?? {}) };
    writeFileSync(path.join(this.conf, "backup.env"), `${renderBackupEnv({ backup }, ["primary"])}BACKUP_ROOT='${this.storage}'\n`);
  }

  /** What the entrypoint does to a new, empty storage: the marker and the directories. */
  initStorage(): void {
    mkdirSync(this.storage, { recursive: true });
    writeFileSync(path.join(this.storage, ".pgstack-backups"), "created=test by=sandbox\n");
    for (const d of ["wal", "base", "dumps", "log", "status"]) mkdirSync(path.join(this.storage, d), { recursive: true });
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: this.bin,
      HOME: this.dir,
      PGSTACK_BIN: this.scriptDir,
      PGSTACK_CONF: this.conf,
      PGSTACK_RUN: this.runDir,
      PGSTACK_BACKUPS: this.storage,
      FAKE_DIR: this.fakes,
      ...extra,
    };
  }

  /** A script by name (from scriptDir), or a path. */
  scriptPath(script: string): string {
    return script.includes("/") ? script : path.join(this.scriptDir, script);
  }

  /** Runs one of the scripts (by name, from scriptDir, or a path) under dash; never throws. */
  run(script: string, args: string[] = [], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): ScriptRun {
    const r = spawnSync(this.dash, [this.scriptPath(script), ...args], {
      env: this.env(options.env),
      cwd: options.cwd ?? this.dir,
      input: options.input,
      encoding: "utf8",
      timeout: 120_000,
    });
    if (r.error) throw r.error;
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  /** The same, without blocking the event loop (for runs that take fake or real time). */
  runAsync(script: string, args: string[] = [], options: { env?: Record<string, string> } = {}): Promise<ScriptRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.dash, [this.scriptPath(script), ...args], { env: this.env(options.env), cwd: this.dir });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  fault(tool: string, mode: string): void {
    writeFileSync(path.join(this.fakes, "faults", tool), mode);
  }

  clearFaults(): void {
    for (const f of readdirSync(path.join(this.fakes, "faults"))) rmSync(path.join(this.fakes, "faults", f));
  }

  /** Writes a fixture file for the fakes ($FAKE_DIR/<name>). */
  fixture(name: string, content: string): void {
    writeFileSync(path.join(this.fakes, name), content);
  }

  /** The container's copy of a job's status (status/<name> in the run directory), parsed. */
  status(name: string): Record<string, string> {
    const f = path.join(this.runDir, "status", name);
    return existsSync(f) ? keyValues(readFileSync(f, "utf8")) : {};
  }

  /** The storage's copy. */
  storedStatus(name: string): Record<string, string> {
    const f = path.join(this.storage, "status", name);
    return existsSync(f) ? keyValues(readFileSync(f, "utf8")) : {};
  }

  read(relative: string): string {
    return readFileSync(path.join(this.storage, relative), "utf8");
  }

  /** Entries of a storage directory, dotfiles included, sorted. */
  list(relative: string): string[] {
    const d = path.join(this.storage, relative);
    return existsSync(d) ? readdirSync(d).sort() : [];
  }

  /** What the fakes were called with, in order (fakes/calls). */
  fakeCalls(): string[] {
    const f = path.join(this.fakes, "calls");
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
  }

  log(): string {
    const f = path.join(this.storage, "log", "backups.log");
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
