import * as pulumi from "@pulumi/pulumi";
import { stackConfig } from "./stackConfig";
import { mockResource } from "./programMocks";
import { setRecordingMocks, type RecordingMocks } from "./recordingMocks";

export interface ProgramRun {
  mocks: RecordingMocks;
  outputs: Record<string, unknown>;
  secretOutputs: Set<string>;
}

const resolved = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => (resolve(v), v)));

/**
 * Runs index.ts under engine mocks with the config of the real `Pulumi.<stack>.yaml` (plus
 * overrides) and waits until every resource is registered. The Pulumi runtime is process-global,
 * so call this once per test file.
 */
export async function runProgram(stack: string, overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
  pulumi.runtime.setAllConfig(stackConfig(stack, overrides));
  const mocks = await setRecordingMocks(mockResource, "pgstack", stack);
  const program: Record<string, unknown> = await import("../../index");
  const outputs: Record<string, unknown> = {};
  const secretOutputs = new Set<string>();
  for (const [key, value] of Object.entries(program)) {
    if (!pulumi.Output.isInstance(value)) continue;
    outputs[key] = await resolved(value);
    if (await pulumi.isSecret(value)) secretOutputs.add(key);
  }
  await pulumi.runtime.disconnect();
  return { mocks, outputs, secretOutputs };
}
