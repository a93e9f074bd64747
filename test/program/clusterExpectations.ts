import { expect } from "vitest";
import { mockPassword } from "../support/programMocks";
import type { RecordedResource } from "../support/recordingMocks";
import type { ProgramRun } from "../support/runProgram";

export const T = {
  container: "docker:index/container:Container",
  volume: "docker:index/volume:Volume",
  network: "docker:index/network:Network",
  image: "docker:index/remoteImage:RemoteImage",
  command: "command:local:Command",
  password: "random:index/randomPassword:RandomPassword",
  role: "pulumi-nodejs:dynamic/postgres:PostgresRole",
  slot: "pulumi-nodejs:dynamic/postgres:ReplicationSlot",
  check: "pulumi-nodejs:dynamic/postgres:StreamingCheck",
  database: "pulumi-nodejs:dynamic/postgres:PostgresDatabase",
  health: "pulumi-nodejs:dynamic/pgstack:ContainerHealth",
  privateKey: "tls:index/privateKey:PrivateKey",
  certRequest: "tls:index/certRequest:CertRequest",
  selfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  signedCert: "tls:index/locallySignedCert:LocallySignedCert",
} as const;

export interface ExpectedShape {
  stack: string;
  replicas: number;
  syncReplicas: number;
  bindAddress: string;
  ports: { primary: number; replicaBase: number; pgbouncer: number };
  memoryMb: number;
  cpus: number;
  protectData: boolean;
  /** pgstack:monitoring.enabled: an exporter per member and one for PgBouncer. */
  monitoring?: boolean;
}

export function memberNames(shape: ExpectedShape): string[] {
  return ["primary", ...Array.from({ length: shape.replicas }, (_, i) => `replica-${i + 1}`)];
}

/** True when `resource` depends, directly or through the chain of dependencies, on `target`. */
export function dependsOn(run: ProgramRun, resource: RecordedResource, target: RecordedResource, seen = new Set<string>()): boolean {
  for (const urn of resource.dependencies) {
    if (urn === target.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    const next = run.mocks.resources.find((r) => r.urn === urn);
    if (next && dependsOn(run, next, target, seen)) return true;
  }
  return false;
}

/** Every generated password, as the mocks generated it. */
export function generatedPasswords(run: ProgramRun): string[] {
  return run.mocks.byType(T.password).map((r) => mockPassword(r.name));
}

export function liveStdin(run: ProgramRun, name: string): string {
  return run.mocks.byName(T.command, name).inputs.stdin as string;
}

export function expectClusterShape(run: ProgramRun, shape: ExpectedShape): void {
  const containers = run.mocks.byType(T.container);
  const members = memberNames(shape);
  const exporters = shape.monitoring ? [...members.map((m) => `${m}-exporter`), "pgbouncer-exporter"] : [];
  expect(containers.map((c) => c.name).sort()).toEqual([...members, "backup", "pgbouncer", ...exporters].sort());
  for (const c of containers) expect(c.inputs.name).toBe(`${shape.stack}-${c.name}`);
}
