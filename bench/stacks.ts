// The stacks the benchmark deploys: the production shape under its own names and host ports
// (below 32768, clear of the committed stacks' and the e2e suite's), plus the restore stacks.

export interface Ports {
  primary: number;
  replicaBase: number;
  pgbouncer: number;
}

export interface Images {
  postgres: string;
  pgbouncer: string;
}

export const BENCH_STACK = "bench";
/** Restore stacks start with the bench stack's name, so everything the benchmark made is `bench-*`. */
export const PITR_STACK = `${BENCH_STACK}-pitr`;
export const DUMP_RESTORE_STACK = `${BENCH_STACK}-dump`;

export const PORTS: Record<string, Ports> = {
  [BENCH_STACK]: { primary: 29432, replicaBase: 29433, pgbouncer: 29532 },
  [PITR_STACK]: { primary: 29442, replicaBase: 29443, pgbouncer: 29542 },
  [DUMP_RESTORE_STACK]: { primary: 29452, replicaBase: 29453, pgbouncer: 29552 },
};

/**
 * Backup schedules that cannot fire during the run: production dumps every 6 hours, and a dump
 * landing in the middle of a pgbench point would skew it. Everything is moved to the hour twelve
 * hours from now (UTC); the retention of production (14 days) is kept.
 */
export function quietBackupSchedules(now: Date): Record<string, unknown> {
  const hour = (now.getUTCHours() + 12) % 24;
  return {
    schedule: `0 ${hour} * * *`,
    retentionDays: 14,
    baseBackupSchedule: `30 ${hour} * * *`,
    drillSchedule: `45 ${hour} * * *`,
  };
}

/** Config overrides on top of Pulumi.production.yaml for one of the benchmark's stacks. */
export function stackOverrides(stack: string, images: Images, now: Date, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ports = PORTS[stack];
  if (!ports) throw new Error(`no ports assigned to stack ${stack}`);
  // Exporters (pgstack:monitoring, on in production) are left out: the benchmark measures the cluster.
  return { images, ports, backup: quietBackupSchedules(now), monitoring: { enabled: false }, ...extra };
}
