import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { BENCH_STACK, DUMP_RESTORE_STACK, PITR_STACK, PORTS, quietBackupSchedules, stackOverrides } from "../../../bench/stacks";

const root = path.resolve(__dirname, "..", "..", "..");
const hostPorts = (p: { primary: number; replicaBase: number; pgbouncer: number }, replicas = 2) => [p.primary, p.pgbouncer, ...Array.from({ length: replicas }, (_, i) => p.replicaBase + i)];

describe("the benchmark's stacks", () => {
  const ours = Object.values(PORTS).flatMap((p) => hostPorts(p));

  it("use distinct host ports below the ephemeral range", () => {
    expect(new Set(ours).size).toBe(ours.length);
    for (const port of ours) expect(port).toBeLessThan(32768);
  });

  it("never take a port of a committed stack", () => {
    for (const file of readdirSync(root).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
      const config = (yaml.load(readFileSync(path.join(root, file), "utf8")) as { config?: Record<string, unknown> }).config ?? {};
      const ports = (config["pgstack:ports"] ?? { primary: 55432, replicaBase: 55433, pgbouncer: 56432 }) as { primary: number; replicaBase: number; pgbouncer: number };
      for (const port of hostPorts(ports, 9)) expect(ours, `${file} port ${port}`).not.toContain(port);
    }
  });

  it("never take a port the e2e suite publishes", () => {
    const e2eDir = path.join(root, "test", "e2e");
    const used = readdirSync(e2eDir)
      .filter((f) => f.endsWith(".test.ts"))
      .flatMap((f) => [...readFileSync(path.join(e2eDir, f), "utf8").matchAll(/\b(?:primary|replicaBase|pgbouncer): (\d{4,5})\b/g)].map((m) => Number(m[1])));
    expect(used.length).toBeGreaterThan(0);
    for (const port of used.flatMap((p) => [p, p + 1])) expect(ours).not.toContain(port);
  });

  it("are named after the bench stack, so its leftovers cleanup finds them all", () => {
    expect(PITR_STACK.startsWith(`${BENCH_STACK}-`)).toBe(true);
    expect(DUMP_RESTORE_STACK.startsWith(`${BENCH_STACK}-`)).toBe(true);
  });
});

describe("quietBackupSchedules", () => {
  it("moves every schedule twelve hours away from now, UTC", () => {
    expect(quietBackupSchedules(new Date("2026-11-24T03:59:00Z"))).toEqual({ schedule: "0 15 * * *", retentionDays: 14, baseBackupSchedule: "30 15 * * *", drillSchedule: "45 15 * * *" });
    expect(quietBackupSchedules(new Date("2026-11-24T18:00:00Z")).schedule).toBe("0 6 * * *");
  });
});

describe("stackOverrides", () => {
  it("sets images, ports and quiet schedules, plus what the caller adds", () => {
    const images = { postgres: "p:1", pgbouncer: "b:1" };
    const o = stackOverrides(PITR_STACK, images, new Date("2026-11-24T00:00:00Z"), { restore: { source: "bench-backups" } });
    expect(o).toMatchObject({ images, ports: PORTS[PITR_STACK], restore: { source: "bench-backups" } });
    expect(() => stackOverrides("other", images, new Date())).toThrow(/no ports/);
  });
});
