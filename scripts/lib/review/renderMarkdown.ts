import { countsLine, verdictWord } from "./renderText";
import { SECTION_TITLES, SECTIONS, type Finding, type Review, type Verdict } from "./types";

// The review as a pull-request comment: a title line with the verdict, the acknowledgement a
// destructive change needs, the sections, and the long tail folded away.

const ICON: Record<Verdict, string> = { destructive: "🛑", disruptive: "⚠️", safe: "🟢" };

/** Text safe to put in Markdown: nothing in a finding is read as markup or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#~]/g, (c) => `\\${c}`).replace(/&/g, "&amp;");
}

function item(f: Finding): string[] {
  const mark = f.severity === "safe" ? "" : `${ICON[f.severity]} `;
  const text = f.severity === "destructive" ? `**${escapeMarkdown(f.text)}**` : escapeMarkdown(f.text);
  return [`- ${mark}${text}`, ...f.details.map((d) => `  - ${escapeMarkdown(d)}`)];
}

export function renderMarkdown(review: Review): string {
  const lines: string[] = [];
  const stack = review.stack ? ` of stack \`${review.stack.replace(/`/g, "")}\`` : "";
  lines.push(`### ${ICON[review.verdict]} pgstack review${stack}: ${verdictWord(review)}`, "", escapeMarkdown(review.headline), "");
  const ack = review.acknowledgement;
  if (ack) {
    lines.push(
      "> [!CAUTION]",
      `> This change deletes data or lowers protection. A reviewer who accepts it adds the label \`${ack.label}\` to this pull request ` +
        `(in CI without labels: \`${ack.env}=${ack.value}\`); until then the review job fails.`,
      "",
    );
  }
  for (const section of SECTIONS) {
    const findings = review.sections[section];
    if (section === "other") {
      if (findings.length === 0) continue;
      lines.push(`<details><summary>${SECTION_TITLES[section]} (${findings.length})</summary>`, "", ...findings.flatMap(item), "", "</details>", "");
      continue;
    }
    lines.push(`#### ${SECTION_TITLES[section]}`, "");
    lines.push(...(findings.length === 0 ? ["none"] : findings.flatMap(item)), "");
  }
  lines.push(`<sub>Plan: ${escapeMarkdown(countsLine(review.counts))}. Exit codes: 0 safe, 1 disruptive, 2 destructive. Made by \`npm run review\`.</sub>`);
  return `${lines.join("\n")}\n`;
}
