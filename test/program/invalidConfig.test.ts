import * as pulumi from "@pulumi/pulumi";
import { expect, it } from "vitest";
import { StackConfigError } from "../../config/loadStackSettings";
import { mockResource } from "../support/programMocks";
import { setRecordingMocks } from "../support/recordingMocks";
import { stackConfig } from "../support/stackConfig";

it("refuses a bad stack config before declaring a single resource, naming every bad key", async () => {
  pulumi.runtime.setAllConfig(
    stackConfig("staging", {
      "pgstack:replicas": 3,
      "pgstack:syncReplicas": 4,
      "pgstack:ports": { primary: 15432, replicaBase: 15431, pgbouncer: 16432 },
      "pgstack:postgresql": { max_slot_wal_keep_size: -1 },
    }),
  );
  const mocks = await setRecordingMocks(mockResource, "pgstack", "staging");
  const failure = await import("../../index").then(
    () => undefined,
    (err: unknown) => err,
  );
  // A RunError: the language host prints its message alone, without a stack trace.
  expect(failure).toBeInstanceOf(StackConfigError);
  expect(pulumi.RunError.isInstance(failure)).toBe(true);
  const keys = (failure as StackConfigError).problems.map((p) => p.key);
  expect(keys).toEqual(["pgstack:syncReplicas", "pgstack:postgresql.max_slot_wal_keep_size", "pgstack:ports.primary"]);
  expect((failure as Error).message).toContain("nothing was deployed");
  expect(mocks.resources).toEqual([]);
});
