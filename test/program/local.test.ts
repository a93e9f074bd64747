import { describeStack } from "./shapeTests";

// Pulumi.local.yaml, under engine mocks.
describeStack({
  stack: "local",
  replicas: 1,
  syncReplicas: 0,
  bindAddress: "127.0.0.1",
  ports: { primary: 55432, replicaBase: 55433, pgbouncer: 56432 },
  memoryMb: 1024,
  cpus: 1,
  protectData: false,
});
