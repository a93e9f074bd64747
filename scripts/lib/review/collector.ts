import type { Step } from "./context";
import type { Finding, LiveChange, Removal, Restart, SectionName, Verdict } from "./types";

/** Findings and facts gathered while the classifier walks the plan; remembers which steps are explained. */
export class Collector {
  readonly sections: Record<SectionName, Finding[]> = { restarts: [], data: [], objects: [], live: [], safety: [], other: [] };
  readonly restarts: Restart[] = [];
  readonly removals: Removal[] = [];
  readonly liveChanges: LiveChange[] = [];
  private readonly explained = new Set<string>();

  add(section: SectionName, severity: Verdict, text: string, steps: (Step | string)[] = [], details: string[] = []): Finding {
    const urns = steps.map((s) => (typeof s === "string" ? s : s.urn));
    const finding: Finding = { severity, text, details, urns };
    this.sections[section].push(finding);
    this.claim(...urns);
    return finding;
  }

  /** Marks steps as explained by a finding made elsewhere (or on purpose by none). */
  claim(...urns: (Step | string)[]): void {
    for (const u of urns) this.explained.add(typeof u === "string" ? u : u.urn);
  }

  isExplained(step: Step): boolean {
    return this.explained.has(step.urn);
  }
}
