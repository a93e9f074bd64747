// pgstack's change review: from the plan `pulumi preview --json` prints to a typed Review saying,
// in operational terms, what the change does to the running database. Pure functions only; the
// CLI (scripts/review.ts) runs the preview and prints.
export { reviewPlan } from "./review";
export { parsePlan, PlanError, type PreviewPlan, type PlanStep } from "./plan";
export { renderText, type TextOptions } from "./renderText";
export { renderMarkdown } from "./renderMarkdown";
export * from "./types";
