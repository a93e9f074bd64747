import { describeStack } from "./shapeTests";

// Pulumi.staging.yaml, under engine mocks.
describeStack({
  stack: "staging",
  replicas: 1,
  syncReplicas: 0,
  bindAddress: "127.0.0.1",
  ports: { primary: 15432, replicaBase: 15433, pgbouncer: 16432 },
  memoryMb: 1024,
  cpus: 1,
  protectData: false,
});
