import { postgresExporterPort } from "./portPlan";
import type { StackSettings } from "./settings";
import { connectHost, endpoint, memberNames } from "./topology";

/** One exporter Prometheus scrapes: where, and the labels pgstack's alert rules select by. */
export interface ScrapeTarget {
  /** `primary`, `replica-1`, … or `pgbouncer`. */
  part: string;
  /** host:port as reachable from the Docker host. */
  address: string;
}

/** Every exporter of the stack (none with monitoring off). */
export function scrapeTargets(s: Pick<StackSettings, "replicas" | "bindAddress" | "monitoring">): ScrapeTarget[] {
  if (!s.monitoring.enabled) return [];
  const host = connectHost(s.bindAddress);
  return [
    ...memberNames(s.replicas).map((m) => ({ part: m, address: endpoint(host, postgresExporterPort(s, m)) })),
    { part: "pgbouncer", address: endpoint(host, s.monitoring.ports.pgbouncerExporter) },
  ];
}

/**
 * A Prometheus `scrape_configs` entry for the stack's exporters (paste it under scrape_configs:, or
 * include the file), labelling each target with `pgstack_stack` and `pgstack_part`.
 */
export function renderScrapeConfig(s: Pick<StackSettings, "stack" | "replicas" | "bindAddress" | "monitoring">): string {
  const q = (v: string) => JSON.stringify(v);
  const lines = [
    `# Prometheus scrape config for pgstack stack ${s.stack}'s exporters, rendered by pulumi up.`,
    "# The alert rules beside this file select series by the pgstack_stack label set here.",
    "scrape_configs:",
    `  - job_name: ${q(`pgstack-${s.stack}`)}`,
    "    scrape_interval: 15s",
    "    static_configs:",
  ];
  for (const t of scrapeTargets(s)) {
    lines.push(
      `      - targets: [${q(t.address)}]`,
      "        labels:",
      `          pgstack_stack: ${q(s.stack)}`,
      `          pgstack_part: ${q(t.part)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
