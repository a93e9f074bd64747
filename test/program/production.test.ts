import { describeStack } from "./shapeTests";

// Pulumi.production.yaml, under engine mocks.
describeStack({
  stack: "production",
  replicas: 2,
  syncReplicas: 1,
  bindAddress: "127.0.0.1",
  ports: { primary: 25432, replicaBase: 25433, pgbouncer: 26432 },
  memoryMb: 2048,
  cpus: 2,
  protectData: true,
  monitoring: true,
});
