import { SECTION_TITLES, SECTIONS, type Finding, type Review, type SectionName, type Verdict } from "./types";

// The review as plain text for a terminal: a verdict line, the worst first and loud, then every
// section under its heading, then the verdict again with the exit code.

export interface TextOptions {
  /** ANSI colours; the CLI turns them on only on a TTY. */
  color?: boolean;
}

const MARK: Record<Verdict, string> = { destructive: "!!", disruptive: " !", safe: " -" };
const COLOR: Record<Verdict, string> = { destructive: "\u001b[1;31m", disruptive: "\u001b[33m", safe: "\u001b[32m" };
const BOLD = "\u001b[1m";
const RESET = "\u001b[0m";

/** Sections printed even when empty ("none"): a reviewer looks for them. */
const ALWAYS: SectionName[] = ["restarts", "data", "objects", "live", "safety"];

export function countsLine(counts: Record<string, number>): string {
  const order = ["create", "update", "replace", "delete", "same"];
  const words: Record<string, string> = { create: "to create", update: "to update", replace: "to replace", delete: "to delete", same: "unchanged" };
  const keys = [...order.filter((k) => counts[k]), ...Object.keys(counts).filter((k) => !order.includes(k) && counts[k])];
  return keys.length === 0 ? "no resources" : keys.map((k) => `${counts[k]} ${words[k] ?? k}`).join(", ");
}

export function verdictWord(review: Review): string {
  return `${review.verdict.toUpperCase()} (exit ${review.exitCode})`;
}

export function acknowledgementText(review: Review): string | undefined {
  const ack = review.acknowledgement;
  if (!ack) return undefined;
  return `This change deletes data or lowers protection. To deploy it, a reviewer acknowledges it: the pull-request label ${ack.label}, or ${ack.env}=${ack.value} in CI without labels.`;
}

export function renderText(review: Review, options: TextOptions = {}): string {
  const paint = (verdict: Verdict | "bold", text: string) => (options.color ? `${verdict === "bold" ? BOLD : COLOR[verdict]}${text}${RESET}` : text);
  const lines: string[] = [];
  const title = review.stack ? `pgstack review of stack ${review.stack}` : "pgstack review";
  lines.push(paint(review.verdict, `${title}: ${verdictWord(review)}`), review.headline, "");

  const destructive = SECTIONS.flatMap((s) => review.sections[s]).filter((f) => f.severity === "destructive");
  if (destructive.length > 0) {
    lines.push(paint("destructive", "!! DESTRUCTIVE: read this first"));
    for (const f of destructive) lines.push(paint("destructive", `!!   ${f.text}`));
    lines.push("");
  }

  const finding = (f: Finding) => {
    lines.push(paint(f.severity, `${MARK[f.severity]} ${f.text}`));
    for (const d of f.details) lines.push(`      ${d}`);
  };
  for (const section of SECTIONS) {
    const findings = review.sections[section];
    if (findings.length === 0 && !ALWAYS.includes(section)) continue;
    lines.push(paint("bold", SECTION_TITLES[section]));
    if (findings.length === 0) lines.push("   none");
    findings.forEach(finding);
    lines.push("");
  }

  lines.push(paint(review.verdict, `Verdict: ${verdictWord(review)}`));
  const ack = acknowledgementText(review);
  if (ack) lines.push(ack);
  lines.push(`Plan: ${countsLine(review.counts)}.`);
  return `${lines.join("\n")}\n`;
}
