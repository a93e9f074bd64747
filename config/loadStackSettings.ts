import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ConfigProblem } from "./configError";
import { parseStackConfig } from "./parseStackConfig";
import type { StackSettings } from "./settings";

/**
 * A bad stack config, as the program reports it: a RunError, which the language host prints as its
 * message alone (every bad key and what is allowed), not as an unhandled exception with a stack trace.
 */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: ConfigProblem[], message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

/** Reads the running stack's `pgstack:` config and validates all of it (throws StackConfigError). */
export function loadStackSettings(): StackSettings {
  try {
    return parseStackConfig(pulumi.runtime.allConfig(), pulumi.getStack());
  } catch (err) {
    if (err instanceof ConfigError) throw new StackConfigError(err.problems, err.message);
    throw err;
  }
}
