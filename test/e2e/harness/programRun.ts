import * as pulumi from "@pulumi/pulumi";
import { setRecordingMocks, type RecordingNewResource } from "../../support/recordingMocks";

export interface ProgramRunResult {
  /** Stack outputs that resolved. */
  outputs: Record<string, unknown>;
  /** The program itself threw (for example a ConfigError) before or while declaring resources. */
  error?: Error;
}

/** Quiet time after a failure before the run counts as finished. */
const SETTLE_MS = 500;
/** How long an output may take to resolve once every registration has finished. */
const OUTPUT_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the compiled program (dist/index.js) under Pulumi mocks whose `newResource` deploys for
 * real, and returns once every registration has finished. After a failure some registrations
 * never finish: the SDK leaves the dependents of a resource that failed waiting forever (the
 * engine would end the program there), so the run also ends once a failure happened and nothing
 * has been in flight for a moment.
 */
export async function runProgramWithMocks(options: {
  stack: string;
  config: Record<string, string>;
  programPath: string;
  newResource: RecordingNewResource;
  failed: () => boolean;
}): Promise<ProgramRunResult> {
  let inFlight = 0;
  let lastActivity = Date.now();
  const tracked: RecordingNewResource = async (args, record) => {
    inFlight++;
    lastActivity = Date.now();
    try {
      return await options.newResource(args, record);
    } finally {
      inFlight--;
      lastActivity = Date.now();
    }
  };

  pulumi.runtime.setAllConfig(options.config);
  await setRecordingMocks(tracked, "pgstack", options.stack);
  let program: Record<string, unknown> = {};
  let error: Error | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program = require(options.programPath);
  } catch (err) {
    error = err as Error;
  }

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  let allDone = false;
  const rpcs = waitForRPCs().then(() => {
    allDone = true;
  });
  const settledAfterFailure = (async () => {
    while (!allDone && !(options.failed() && inFlight === 0 && Date.now() - lastActivity >= SETTLE_MS)) await sleep(100);
  })();
  await Promise.race([rpcs, settledAfterFailure]);

  const outputs: Record<string, unknown> = {};
  const deadline = sleep(OUTPUT_MS).then(() => undefined);
  await Promise.all(
    Object.entries(program)
      .filter(([, value]) => pulumi.Output.isInstance(value))
      .map(async ([key, value]) => {
        const resolved = await Promise.race([
          (value as unknown as { promise(): Promise<unknown> }).promise().then(
            (v) => ({ v }),
            () => undefined, // an output of a resource that failed: the failure is reported on its own
          ),
          deadline,
        ]);
        if (resolved) outputs[key] = resolved.v;
      }),
  );
  return { outputs, error };
}
