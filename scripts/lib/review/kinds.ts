import type { Step } from "./context";

// What a step's resource is in pgstack's terms, from its type token and name (see components/).

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const COMMAND = "command:local:Command";
export const MEMBER_COMPONENT = "pgstack:cluster:PostgresMember";

/** A dynamic provider's resource of this kind (`pulumi-nodejs:dynamic/postgres:PostgresRole`). */
export function isDynamic(step: Step, kind: string): boolean {
  return step.type.startsWith("pulumi-nodejs:dynamic") && step.type.endsWith(`:${kind}`);
}

export const isMemberName = (name: string) => /^(primary|replica-\d+)$/.test(name);

export type ContainerKind = "postgres" | "pgbouncer" | "backup" | "other";

export function containerKind(step: Step): ContainerKind {
  if (step.parentTypes.includes(MEMBER_COMPONENT) || isMemberName(step.name)) return "postgres";
  if (step.parentTypes.includes("pgstack:cluster:Pgbouncer") || step.name === "pgbouncer") return "pgbouncer";
  if (step.parentTypes.includes("pgstack:cluster:BackupCron") || step.name === "backup") return "backup";
  return "other";
}

/** Docker's name of a container or volume (`staging-primary`), else the resource's name. */
export function dockerName(step: Step): string {
  for (const v of [step.newInputs.name, step.oldInputs.name, step.oldOutputs.name]) {
    if (typeof v === "string" && v !== "" && !v.startsWith("04da6b54")) return v;
  }
  return step.name;
}

/** How a part of the cluster is named in sentences. */
export function partLabel(part: string): string {
  if (part === "pgbouncer") return "PgBouncer";
  if (part === "backup") return "the backup container";
  return part;
}

/** A member's data volume resource is `<member>-data`; the shared one `backups`. */
export function volumeOwner(step: Step): { member?: string; backups: boolean } {
  const m = /^(.+)-data$/.exec(step.name);
  if (m) return { member: m[1], backups: false };
  return { backups: step.name === "backups" };
}

/** The member a `<member>-live-settings` or `<member>-slot` resource belongs to. */
export function memberOf(step: Step, suffix: string): string | undefined {
  return step.name.endsWith(suffix) ? step.name.slice(0, -suffix.length) : undefined;
}

export function isCustom(step: Step): boolean {
  const custom = step.new?.custom ?? step.old?.custom;
  if (custom !== undefined) return custom;
  return !step.type.startsWith("pgstack:") && step.type !== "pulumi:pulumi:Stack";
}
