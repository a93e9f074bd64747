import { describe, expect, it } from "vitest";
import { translateContainer, UntranslatedInputError } from "../../e2e/harness/dockerTranslate";

const base = {
  name: "s-primary",
  image: "sha256:abc",
  hostname: "primary",
  user: "root",
  entrypoints: ["/bin/sh", "/pgstack/bin/entrypoint.sh"],
  command: ["postgres"],
  envs: ["PGSTACK_MEMBER=primary"],
  labels: [
    { label: "pgstack.stack", value: "s" },
    { label: "pgstack.part", value: "primary" },
  ],
  networksAdvanced: [{ name: "pgstack-s", aliases: ["primary"] }],
  ports: [{ internal: 5432, external: 15432, ip: "127.0.0.1", protocol: "tcp" }],
  volumes: [
    { volumeName: "s-primary-data", containerPath: "/var/lib/postgresql/data" },
    { volumeName: "s-backups", containerPath: "/var/lib/pgstack/backups" },
  ],
  uploads: [
    { file: "/pgstack/bin/entrypoint.sh", content: "#!/bin/sh\n", executable: true },
    { file: "/pgstack/conf/postgresql.conf", content: "x = 1\n" },
    { file: "/pgstack/secrets/pgpass", content: "secret", permissions: "0600" },
    { file: "/pgstack/bin/blob", contentBase64: Buffer.from([0, 1, 2]).toString("base64") },
  ],
  healthcheck: { tests: ["CMD-SHELL", "pg_isready"], interval: "5s", timeout: "3s", retries: 3, startPeriod: "1m30s" },
  wait: true,
  waitTimeout: 120,
  restart: "unless-stopped",
  memory: 1024,
  memorySwap: 1024,
  cpus: "1.5",
  shmSize: 256,
  ulimits: [{ name: "nofile", soft: 4096, hard: 4096 }],
  stopSignal: "SIGINT",
  stopTimeout: 60,
  destroyGraceSeconds: 90,
  logDriver: "json-file",
  logOpts: { "max-size": "20m", "max-file": "5" },
};

describe("translateContainer", () => {
  it("maps every input to the Engine API field the Docker provider sets, in its units", () => {
    const plan = translateContainer(base);
    expect(plan.name).toBe("s-primary");
    expect(plan.create).toEqual({
      Image: "sha256:abc",
      Hostname: "primary",
      User: "root",
      Entrypoint: ["/bin/sh", "/pgstack/bin/entrypoint.sh"],
      Cmd: ["postgres"],
      Env: ["PGSTACK_MEMBER=primary"],
      Labels: { "pgstack.stack": "s", "pgstack.part": "primary" },
      ExposedPorts: { "5432/tcp": {} },
      Healthcheck: { Test: ["CMD-SHELL", "pg_isready"], Interval: 5e9, Timeout: 3e9, StartPeriod: 90e9, Retries: 3 },
      StopSignal: "SIGINT",
      StopTimeout: 60,
      HostConfig: {
        NetworkMode: "pgstack-s",
        PortBindings: { "5432/tcp": [{ HostIp: "127.0.0.1", HostPort: "15432" }] },
        Binds: ["s-primary-data:/var/lib/postgresql/data", "s-backups:/var/lib/pgstack/backups"],
        RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
        AutoRemove: false,
        Memory: 1024 * 1024 * 1024,
        MemorySwap: 1024 * 1024 * 1024,
        NanoCpus: 1.5e9,
        ShmSize: 256 * 1024 * 1024,
        Ulimits: [{ Name: "nofile", Soft: 4096, Hard: 4096 }],
        LogConfig: { Type: "json-file", Config: { "max-size": "20m", "max-file": "5" } },
      },
      NetworkingConfig: { EndpointsConfig: { "pgstack-s": { Aliases: ["primary"] } } },
    });
    expect(plan.extraNetworks).toEqual([]);
    expect(plan.wait).toEqual({ healthy: true, timeoutSeconds: 120 });
    expect(plan.destroy).toEqual({ graceSeconds: 90, removeVolumes: true });
    expect(plan.start).toBe(true);
  });

  it("uploads files with the provider's modes: 0644, 0744 when executable, permissions when given", () => {
    const uploads = translateContainer(base).uploads;
    expect(uploads.map((u) => [u.path, u.mode.toString(8), u.content.toString("latin1")])).toEqual([
      ["pgstack/bin/entrypoint.sh", "744", "#!/bin/sh\n"],
      ["pgstack/conf/postgresql.conf", "644", "x = 1\n"],
      ["pgstack/secrets/pgpass", "600", "secret"],
      ["pgstack/bin/blob", "644", "\u0000\u0001\u0002"],
    ]);
  });

  it("applies the provider's defaults: ports on 0.0.0.0/tcp, restart no, a 60 s wait, anonymous volumes", () => {
    const plan = translateContainer({ name: "c", image: "i", ports: [{ internal: 80 }], volumes: [{ containerPath: "/cache" }] });
    expect(plan.create.HostConfig.PortBindings).toEqual({ "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }] });
    expect(plan.create.Volumes).toEqual({ "/cache": {} });
    expect(plan.create.HostConfig.RestartPolicy).toEqual({ Name: "no", MaximumRetryCount: 0 });
    expect(plan.wait).toEqual({ healthy: false, timeoutSeconds: 60 });
    expect(plan.destroy).toEqual({ graceSeconds: 0, removeVolumes: true });
  });

  it("joins the first network at create and connects the others before the start", () => {
    const plan = translateContainer({ name: "c", image: "i", networksAdvanced: [{ name: "a", aliases: ["x"] }, { name: "b" }] });
    expect(plan.create.HostConfig.NetworkMode).toBe("a");
    expect(plan.extraNetworks).toEqual([{ name: "b", aliases: [] }]);
  });

  it("fails loudly on any input it does not translate, at any depth", () => {
    const cases: Record<string, unknown>[] = [
      { privileged: true },
      { devices: [{ hostPath: "/dev/null" }] },
      { ports: [{ internal: 1, external: 2, foo: 1 }] },
      { volumes: [{ containerPath: "/x", fromContainer: "other" }] },
      { uploads: [{ file: "/x", content: "y", owner: "postgres" }] },
      { healthcheck: { tests: ["CMD", "true"], foo: "1s" } },
      { networksAdvanced: [{ name: "n", ipv4Address: "10.0.0.2" }] },
    ];
    for (const extra of cases) {
      expect(() => translateContainer({ name: "c", image: "i", ...extra }), JSON.stringify(extra)).toThrow(UntranslatedInputError);
    }
    // Flags at their default are fine.
    expect(() => translateContainer({ name: "c", image: "i", privileged: false, tty: false })).not.toThrow();
  });

  it("refuses inputs the provider would refuse or that could not be waited on", () => {
    expect(() => translateContainer({ name: "c", image: "i", wait: true })).toThrow(/needs a healthcheck/);
    expect(() => translateContainer({ name: "c", image: "i", command: ["a", ""] })).toThrow(/may not be empty/);
    expect(() => translateContainer({ name: "c", image: "i", uploads: [{ file: "rel", content: "x" }] })).toThrow(/absolute/);
    expect(() => translateContainer({ name: "c", image: "i", uploads: [{ file: "/x" }] })).toThrow(/exactly one/);
    expect(() => translateContainer({ name: "c", image: "i", healthcheck: { tests: ["CMD", "true"], interval: "5" } })).toThrow(/Go duration/);
    expect(() => translateContainer({ image: "i" })).toThrow(/name/);
  });
});
