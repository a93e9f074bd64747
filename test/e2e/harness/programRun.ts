import * as pulumi from "@pulumi/pulumi";
import { setRecordingMocks, type RecordingNewResource } from "../../support/recordingMocks";

export interface ProgramRunResult {
  /** Stack outputs that resolved. */
  outputs: Record<string, unknown>;
  /** The program itself threw (for example a ConfigError) before or while declaring resources. */
  error?: Error;
}

/**
 * Runs the compiled program (dist/index.js) under Pulumi mocks whose `newResource` deploys for
 * real, and waits until every registration has finished, failed or been abandoned because one
 * it depends on failed.
 */
export async function runProgramWithMocks(options: {
  stack: string;
  config: Record<string, string>;
  programPath: string;
  newResource: RecordingNewResource;
}): Promise<ProgramRunResult> {
  pulumi.runtime.setAllConfig(options.config);
  await setRecordingMocks(options.newResource, "pgstack", options.stack);
  let program: Record<string, unknown> = {};
  let error: Error | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program = require(options.programPath);
  } catch (err) {
    error = err as Error;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();

  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    if (!pulumi.Output.isInstance(value)) continue;
    try {
      outputs[key] = await (value as unknown as { promise(): Promise<unknown> }).promise();
    } catch {
      // An output of a resource that failed: left out, the failure is reported on its own.
    }
  }
  return { outputs, error };
}
