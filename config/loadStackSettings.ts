import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./parseStackConfig";
import type { StackSettings } from "./settings";

/** Reads the running stack's `pgstack:` config and validates all of it (throws ConfigError). */
export function loadStackSettings(): StackSettings {
  return parseStackConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
