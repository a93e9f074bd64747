import { expect } from "vitest";
import { ConfigError } from "../../config/configError";
import { parseStackConfig } from "../../config/parseStackConfig";
import type { StackSettings } from "../../config/settings";

/** parseStackConfig of short keys (`replicas` for `pgstack:replicas`), as a stack file would give them. */
export function parse(config: Record<string, unknown>, stack = "test"): StackSettings {
  return parseStackConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`pgstack:${k}`, v])), stack);
}

/** The problems a config produces, as `key: message` lines; fails if it parses. */
export function problems(config: Record<string, unknown>): string[] {
  try {
    parse(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}
