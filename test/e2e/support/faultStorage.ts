import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { dockerRaw, inspect } from "../../support/docker";

// Backup storage a test can break: a small tmpfs it mounts itself (it runs as root), which it can
// fill to the last few bytes, make read-only and give back. And fault-injecting wrappers of real
// programs inside a container, put first on PATH for one `docker exec`.

export class FaultStorage {
  readonly dir: string;
  readonly path: string;
  private readonly filler: string;

  constructor(readonly sizeMb: number) {
    this.dir = mkdtempSync(path.join(tmpdir(), "pgstack-e2e-bf-"));
    this.path = path.join(this.dir, "backups");
    mkdirSync(this.path);
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m,mode=0755`, "pgstack-e2e-bf", this.path]);
    this.filler = path.join(this.path, "filler");
  }

  freeBytes(): number {
    const s = statfsSync(this.path);
    return s.bavail * s.bsize;
  }

  /** Fills the storage until `leaveBytes` at most are free. */
  fill(leaveBytes: number): void {
    const chunk = Buffer.alloc(1024 * 1024, 0x5a);
    let free = this.freeBytes();
    const fd = openSync(this.filler, "a");
    try {
      while (free > leaveBytes) {
        const n = Math.min(chunk.length, free - leaveBytes);
        try {
          writeSync(fd, chunk, 0, n);
        } catch {
          break; // ENOSPC: as full as it gets
        }
        free = this.freeBytes();
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Space back. */
  unfill(): void {
    rmSync(this.filler, { force: true });
  }

  readOnly(on: boolean): void {
    execFileSync("mount", ["-o", `remount,${on ? "ro" : "rw"}`, this.path]);
  }

  /** WAL segment names in the archive, sorted. */
  segments(): string[] {
    return readdirSync(path.join(this.path, "wal")).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort();
  }

  /** Base backup directories, sorted. */
  baseBackups(): string[] {
    return readdirSync(path.join(this.path, "base")).filter((f) => /^\d{8}T\d{6}Z$/.test(f)).sort();
  }

  cleanup(): void {
    try {
      execFileSync("umount", ["-l", this.path]);
    } catch {
      // not mounted any more
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A WAL segment's place in the WAL, whatever its timeline (16 MB segments). */
export function walPosition(segment: string): number {
  return parseInt(segment.slice(8, 16), 16) * 256 + parseInt(segment.slice(16, 24), 16);
}

/** Positions missing between the first and the last of `segments`. */
export function walGaps(segments: string[]): number[] {
  const positions = [...new Set(segments.map(walPosition))].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < positions.length; i++) for (let p = positions[i - 1] + 1; p < positions[i]; p++) gaps.push(p);
  return gaps;
}

/**
 * Writes fault-injecting wrappers into `container` under `dir` (each a sh script named after the
 * program it wraps, running the real one from `realDir` around the fault) and returns the PATH
 * that puts them first.
 */
export async function installWrappers(container: string, dir: string, wrappers: Record<string, string>): Promise<string> {
  const info = await inspect<{ Config: { Env: string[] } }>(container);
  const imagePath = (info.Config.Env.find((e) => e.startsWith("PATH=")) ?? "PATH=/usr/local/bin:/usr/bin:/bin").slice(5);
  for (const [name, body] of Object.entries(wrappers)) {
    const r = await dockerRaw(["exec", "-i", "-u", "postgres", container, "sh", "-c", `mkdir -p ${dir} && cat > ${dir}/${name} && chmod 755 ${dir}/${name}`], { input: `#!/bin/sh\nPATH=${imagePath}\n${body}\n` });
    if (r.code !== 0) throw new Error(`cannot install the ${name} wrapper in ${container}: ${r.stderr}`);
  }
  return `${dir}:${imagePath}`;
}

/** Health status of a container (healthy, unhealthy, starting) and its last check's output. */
export async function health(container: string): Promise<{ status: string; output: string }> {
  const info = await inspect<{ State: { Health?: { Status: string; Log?: { Output: string }[] } } }>(container);
  const log = info.State.Health?.Log ?? [];
  return { status: info.State.Health?.Status ?? "none", output: (log[log.length - 1]?.Output ?? "").trim() };
}
