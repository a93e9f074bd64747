// The review of one plan, as data: what the CLI prints (text, Markdown, JSON) and what a test
// compares with what a deploy then really did.

/** safe: no restart, nothing deleted; disruptive: restarts or re-creations; destructive: data deleted or protection lowered. */
export type Verdict = "safe" | "disruptive" | "destructive";

export const VERDICT_EXIT_CODES: Record<Verdict, 0 | 1 | 2> = { safe: 0, disruptive: 1, destructive: 2 };
/** The CLI's exit code when there is no verdict: bad arguments, no plan, a preview that failed. */
export const USAGE_EXIT_CODE = 3;

const RANK: Record<Verdict, number> = { safe: 0, disruptive: 1, destructive: 2 };

export function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), "safe");
}

export type SectionName = "restarts" | "data" | "objects" | "live" | "safety" | "other";

/** Sections in the order they are printed. */
export const SECTIONS: readonly SectionName[] = ["restarts", "data", "objects", "live", "safety", "other"];

export const SECTION_TITLES: Record<SectionName, string> = {
  restarts: "Restarts",
  data: "Data",
  objects: "Roles, database, slots",
  live: "Live changes (no restart)",
  safety: "Safety",
  other: "Everything else in the plan",
};

/** One thing the change does, in words. */
export interface Finding {
  /** What this finding alone makes the verdict. */
  severity: Verdict;
  /** One line. */
  text: string;
  /** Lines that explain it (why, what to do). */
  details: string[];
  /** URNs of the plan's steps it accounts for. */
  urns: string[];
}

export interface RestartReason {
  /** The container property that changed: `command`, `cpus`, `healthcheck.startPeriod`, … */
  property: string;
  text: string;
  /** False when the program's value did not change and only the provider's stored form differs. */
  real: boolean;
  /** True when this change alone forces the replacement. */
  forcesReplace: boolean;
}

/** A container the deploy deletes and creates again: that process restarts; its volumes are kept. */
export interface Restart {
  /** primary, replica-1, pgbouncer, backup: the name in the URN. */
  part: string;
  kind: "postgres" | "pgbouncer" | "backup" | "other";
  /** Docker's container name (`staging-primary`). */
  container: string;
  reasons: RestartReason[];
  urn: string;
}

/** Something the deploy deletes, or deletes and creates again (replaced). */
export interface Removal {
  what: "data volume" | "backup volume" | "volume" | "container" | "slot" | "role" | "database" | "network" | "secret" | "other";
  /** Docker's name for volumes and containers, the SQL name for roles, databases and slots. */
  name: string;
  replaced: boolean;
  /** True when the engine only forgets it (retainOnDelete, or a provider whose delete does nothing). */
  kept: boolean;
  urn: string;
}

/** A setting applied with a reload (PostgreSQL) or SIGHUP (PgBouncer). */
export interface LiveChange {
  /** The member (`primary`, `replica-1`) or `pgbouncer`. */
  target: string;
  name: string;
  from?: string;
  to?: string;
}

export interface Acknowledgement {
  /** Pull-request label a reviewer adds to accept a destructive change. */
  label: string;
  /** The same for CI without labels: an environment variable and its value. */
  env: string;
  value: string;
}

export interface Review {
  stack: string;
  project: string;
  verdict: Verdict;
  exitCode: 0 | 1 | 2;
  /** One line: the verdict and why. */
  headline: string;
  sections: Record<SectionName, Finding[]>;
  restarts: Restart[];
  removals: Removal[];
  liveChanges: LiveChange[];
  /** Steps by operation, as the engine counts them. */
  counts: Record<string, number>;
  /** Present when destructive: how a reviewer accepts it. */
  acknowledgement?: Acknowledgement;
}

export const ACKNOWLEDGEMENT: Acknowledgement = {
  label: "pgstack-ack-destructive",
  env: "PGSTACK_REVIEW_ACK",
  value: "destructive",
};
