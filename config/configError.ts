/** One bad stack config value: which key, what it was, and what is allowed. */
export interface ConfigProblem {
  key: string;
  value: unknown;
  message: string;
}

/** Every problem in a stack's config at once, raised before any resource is declared. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(ConfigError.describe(problems));
    this.name = "ConfigError";
  }

  static describe(problems: ConfigProblem[]): string {
    const lines = problems.map((p) => `  - ${p.key} = ${showValue(p.value)}: ${p.message}`);
    const count = problems.length === 1 ? "1 invalid stack config value" : `${problems.length} invalid stack config values`;
    return `pgstack: ${count}; nothing was deployed. Fix them with \`pulumi config set\` or in Pulumi.<stack>.yaml:\n${lines.join("\n")}`;
  }
}

function showValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
