import { parseGoDuration } from "./goDuration";
import type { TarFile } from "./tar";

// The one place that turns a docker:index/container:Container's inputs into Docker Engine API
// calls, the way the Docker provider (kreuzwerker/docker, which @pulumi/docker bridges) does.
// Pure: unit-tested without Docker. A field it does not translate is an error, never ignored, so
// what the end-to-end suite deploys is what the program declares.

/** A Container's inputs as the program registered them (secrets unwrapped). */
export type ContainerInputs = Record<string, any>;

/** Body of `POST /containers/create` (Engine API 1.41 names). */
export interface ContainerCreateRequest {
  Image: string;
  Hostname?: string;
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig: {
    NetworkMode?: string;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    Binds?: string[];
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    AutoRemove: boolean;
    Memory?: number;
    MemorySwap?: number;
    NanoCpus?: number;
    ShmSize?: number;
    Ulimits?: { Name: string; Soft: number; Hard: number }[];
    LogConfig?: { Type: string; Config: Record<string, string> };
    Init?: boolean;
  };
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases: string[] }> };
}

export interface NetworkAttachment {
  name: string;
  aliases: string[];
}

/** Everything the harness does to create, start, wait for and later delete one container. */
export interface ContainerPlan {
  name: string;
  create: ContainerCreateRequest;
  /** Networks after the first (which is joined at create), connected before the start. */
  extraNetworks: NetworkAttachment[];
  /** Files put into the container at `/` before it starts. */
  uploads: TarFile[];
  start: boolean;
  /** Wait until Docker reports the container healthy, at most `timeoutSeconds`. */
  wait: { healthy: boolean; timeoutSeconds: number };
  /** On delete: stop with this grace (0 = kill at once), then remove, anonymous volumes too when asked. */
  destroy: { graceSeconds: number; removeVolumes: boolean };
}

const MB = 1024 * 1024;

/** Inputs translated below; anything else must be absent. */
const TRANSLATED = new Set([
  "name", "image", "hostname", "user", "entrypoints", "command", "envs", "labels", "workingDir",
  "networksAdvanced", "ports", "volumes", "uploads", "healthcheck", "restart", "maxRetryCount",
  "memory", "memorySwap", "cpus", "shmSize", "ulimits", "stopSignal", "stopTimeout", "logDriver",
  "logOpts", "init", "rm", "start", "mustRun", "wait", "waitTimeout", "destroyGraceSeconds", "removeVolumes",
]);
/** Flags the harness does not implement, accepted only at their default (false). */
const ONLY_FALSE = new Set(["attach", "logs", "tty", "stdinOpen", "privileged", "readOnly", "publishAllPorts"]);

export class UntranslatedInputError extends Error {
  constructor(field: string, value: unknown) {
    super(
      `the e2e harness does not translate Container input "${field}" (= ${JSON.stringify(value)}); ` +
        "add it to test/e2e/harness/dockerTranslate.ts before relying on it",
    );
    this.name = "UntranslatedInputError";
  }
}

function onlyKeys(field: string, value: Record<string, unknown>, allowed: string[]): void {
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined && v !== null && !allowed.includes(key)) throw new UntranslatedInputError(`${field}.${key}`, v);
  }
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

function uploadFile(upload: Record<string, any>, index: number): TarFile {
  const field = `uploads[${index}]`;
  onlyKeys(field, upload, ["file", "content", "contentBase64", "executable", "permissions"]);
  if (typeof upload.file !== "string" || !upload.file.startsWith("/")) {
    throw new Error(`${field}.file must be an absolute path, got ${JSON.stringify(upload.file)}`);
  }
  const sources = [upload.content, upload.contentBase64].filter((v) => v !== undefined && v !== "");
  if (sources.length !== 1) throw new Error(`${field} (${upload.file}) needs exactly one of content and contentBase64`);
  const content = upload.content !== undefined && upload.content !== "" ? Buffer.from(upload.content, "utf8") : Buffer.from(upload.contentBase64, "base64");
  // The provider's modes: 0644, 0744 when executable; permissions (octal text) wins.
  let mode = upload.executable ? 0o744 : 0o644;
  if (upload.permissions !== undefined && upload.permissions !== "") {
    if (!/^[0-7]{3,4}$/.test(upload.permissions)) throw new Error(`${field}.permissions must be octal such as 0600, got ${upload.permissions}`);
    mode = parseInt(upload.permissions, 8);
  }
  return { path: upload.file.replace(/^\/+/, ""), mode, content };
}

function healthcheck(hc: Record<string, any>): ContainerCreateRequest["Healthcheck"] {
  onlyKeys("healthcheck", hc, ["tests", "interval", "timeout", "startPeriod", "startInterval", "retries"]);
  const tests = list<string>(hc.tests);
  if (tests.length === 0) throw new Error("healthcheck.tests must not be empty");
  const duration = (key: string) => (hc[key] === undefined || hc[key] === "" ? undefined : parseGoDuration(String(hc[key])));
  return {
    Test: tests,
    Interval: duration("interval"),
    Timeout: duration("timeout"),
    StartPeriod: duration("startPeriod"),
    StartInterval: duration("startInterval"),
    Retries: hc.retries,
  };
}

function portBindings(ports: Record<string, any>[]): Pick<ContainerCreateRequest, "ExposedPorts"> & Pick<ContainerCreateRequest["HostConfig"], "PortBindings"> {
  if (ports.length === 0) return {};
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  ports.forEach((p, i) => {
    onlyKeys(`ports[${i}]`, p, ["internal", "external", "ip", "protocol"]);
    if (!Number.isInteger(p.internal)) throw new Error(`ports[${i}].internal must be a port number`);
    const key = `${p.internal}/${p.protocol ?? "tcp"}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external === undefined ? "" : String(p.external) });
  });
  return { ExposedPorts: exposed, PortBindings: bindings };
}

function volumeMounts(volumes: Record<string, any>[]): { binds: string[]; anonymous: Record<string, Record<string, never>> } {
  const binds: string[] = [];
  const anonymous: Record<string, Record<string, never>> = {};
  volumes.forEach((v, i) => {
    onlyKeys(`volumes[${i}]`, v, ["volumeName", "hostPath", "containerPath", "readOnly"]);
    if (typeof v.containerPath !== "string") throw new Error(`volumes[${i}].containerPath is required`);
    const source = v.hostPath || v.volumeName;
    if (source) binds.push(`${source}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
    else anonymous[v.containerPath] = {};
  });
  return { binds, anonymous };
}

function networks(attachments: Record<string, any>[]): NetworkAttachment[] {
  return attachments.map((n, i) => {
    onlyKeys(`networksAdvanced[${i}]`, n, ["name", "aliases"]);
    if (typeof n.name !== "string" || n.name === "") throw new Error(`networksAdvanced[${i}].name is required`);
    return { name: n.name, aliases: list<string>(n.aliases) };
  });
}

/** Translates a Container's inputs; throws on anything it cannot translate faithfully. */
export function translateContainer(inputs: ContainerInputs): ContainerPlan {
  for (const [key, value] of Object.entries(inputs)) {
    if (value === undefined || value === null || TRANSLATED.has(key)) continue;
    if (ONLY_FALSE.has(key) && value === false) continue;
    throw new UntranslatedInputError(key, value);
  }
  if (typeof inputs.name !== "string" || inputs.name === "") throw new Error("the harness needs Container.name (generated names are not supported)");
  if (typeof inputs.image !== "string" || inputs.image === "") throw new Error(`container ${inputs.name}: image is required`);
  if (inputs.command !== undefined && list<string>(inputs.command).some((arg) => arg === "")) {
    throw new Error(`container ${inputs.name}: values for command may not be empty`);
  }

  const attachments = networks(list(inputs.networksAdvanced));
  const { binds, anonymous } = volumeMounts(list(inputs.volumes));
  const ports = portBindings(list(inputs.ports));
  const labels = Object.fromEntries(list<{ label: string; value: string }>(inputs.labels).map((l, i) => {
    onlyKeys(`labels[${i}]`, l, ["label", "value"]);
    return [l.label, l.value];
  }));
  const ulimits = list<Record<string, any>>(inputs.ulimits).map((u, i) => {
    onlyKeys(`ulimits[${i}]`, u, ["name", "soft", "hard"]);
    return { Name: u.name, Soft: u.soft, Hard: u.hard };
  });
  const memorySwap = inputs.memorySwap === undefined ? undefined : inputs.memorySwap > 0 ? inputs.memorySwap * MB : inputs.memorySwap;
  const cpus = inputs.cpus === undefined || inputs.cpus === "" ? undefined : Number(inputs.cpus);
  if (cpus !== undefined && !(cpus > 0)) throw new Error(`container ${inputs.name}: cpus must be a positive number, got ${inputs.cpus}`);

  const create: ContainerCreateRequest = {
    Image: inputs.image,
    Hostname: inputs.hostname,
    User: inputs.user,
    Entrypoint: inputs.entrypoints,
    Cmd: inputs.command,
    Env: inputs.envs,
    Labels: Object.keys(labels).length > 0 ? labels : undefined,
    WorkingDir: inputs.workingDir,
    ExposedPorts: ports.ExposedPorts,
    Volumes: Object.keys(anonymous).length > 0 ? anonymous : undefined,
    Healthcheck: inputs.healthcheck ? healthcheck(inputs.healthcheck) : undefined,
    StopSignal: inputs.stopSignal,
    StopTimeout: inputs.stopTimeout,
    HostConfig: {
      NetworkMode: attachments[0]?.name,
      PortBindings: ports.PortBindings,
      Binds: nonEmpty(binds),
      RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
      AutoRemove: inputs.rm ?? false,
      Memory: inputs.memory === undefined ? undefined : inputs.memory * MB,
      MemorySwap: memorySwap,
      NanoCpus: cpus === undefined ? undefined : Math.round(cpus * 1e9),
      ShmSize: inputs.shmSize === undefined ? undefined : inputs.shmSize * MB,
      Ulimits: nonEmpty(ulimits),
      LogConfig: inputs.logDriver === undefined ? undefined : { Type: inputs.logDriver, Config: { ...(inputs.logOpts ?? {}) } },
      Init: inputs.init,
    },
    NetworkingConfig: attachments[0] ? { EndpointsConfig: { [attachments[0].name]: { Aliases: attachments[0].aliases } } } : undefined,
  };
  if (inputs.wait && !create.Healthcheck) {
    throw new Error(`container ${inputs.name}: wait = true needs a healthcheck (the provider waits for "healthy")`);
  }
  if (inputs.logOpts !== undefined && inputs.logDriver === undefined) {
    throw new Error(`container ${inputs.name}: logOpts without logDriver is not translated`);
  }

  return {
    name: inputs.name,
    create: JSON.parse(JSON.stringify(create)) as ContainerCreateRequest, // drops undefined fields
    extraNetworks: attachments.slice(1),
    uploads: list<Record<string, any>>(inputs.uploads).map(uploadFile),
    start: inputs.start ?? true,
    wait: { healthy: inputs.wait ?? false, timeoutSeconds: inputs.waitTimeout ?? 60 },
    destroy: { graceSeconds: inputs.destroyGraceSeconds ?? 0, removeVolumes: inputs.removeVolumes ?? true },
  };
}
