// Same as test/e2e/support/freshDeploy.ts, which imports vitest and so cannot load in a plain node process.
/** The stack's container parts for `replicas` replicas: primary, replica-1…, pgbouncer, backup. */
export const partsOf = (replicas: number) => ["primary", ...Array.from({ length: replicas }, (_, i) => `replica-${i + 1}`), "pgbouncer", "backup"];
