import * as http from "node:http";
import type { ContainerInspect } from "./containerProviderState";
import type { ContainerCreateRequest } from "./dockerTranslate";

// A thin Docker Engine API client over a unix socket (node:http, no dependency). Only the calls
// the harness makes; every failure carries Docker's own message. `dockerApiAt(host)` talks to the
// engine an explicit docker provider names (its `host`), `dockerApi` to the environment's.

const DEFAULT_SOCKET = (process.env.DOCKER_HOST ?? "").startsWith("unix://") ? process.env.DOCKER_HOST!.slice("unix://".length) : "/var/run/docker.sock";

/** The socket of a DOCKER_HOST URL; the harness reaches engines over unix sockets only. */
export function socketOf(host: string | undefined): string {
  if (host === undefined || host === "") return DEFAULT_SOCKET;
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  throw new Error(`the e2e harness reaches Docker engines over unix:// sockets only, not ${host}; implement it in test/e2e/harness/dockerApi.ts`);
}

export class DockerApiError extends Error {
  constructor(readonly status: number, readonly call: string, message: string) {
    super(`${call}: ${message} (HTTP ${status})`);
    this.name = "DockerApiError";
  }
}

interface Reply {
  status: number;
  body: Buffer;
}

function request(socketPath: string, method: string, path: string, body?: Buffer | object, contentType = "application/json", timeoutMs = 120_000): Promise<Reply> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers: payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer from the Docker engine within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

type Call = (method: string, path: string, body?: Buffer | object, options?: { ok?: number[]; contentType?: string; timeoutMs?: number }) => Promise<Reply>;

const caller = (socketPath: string): Call => async (method, path, body, options = {}) => {
  const reply = await request(socketPath, method, path, body, options.contentType, options.timeoutMs);
  if (reply.status >= 400 && !(options.ok ?? []).includes(reply.status)) {
    let message = reply.body.toString("utf8").trim();
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // plain-text error body
    }
    throw new DockerApiError(reply.status, `${method} ${path.split("?")[0]}`, message);
  }
  return reply;
};

const json = <T>(reply: Reply): T => JSON.parse(reply.body.toString("utf8")) as T;
const q = encodeURIComponent;

export interface ContainerState {
  Status: string;
  Running: boolean;
  Restarting: boolean;
  ExitCode: number;
  Error: string;
  Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string; End: string }[] | null };
}

export interface ContainerInfo {
  Id: string;
  Name: string;
  RestartCount: number;
  State: ContainerState;
}

/** The Engine API client of the engine at `host` (a DOCKER_HOST URL; undefined: the environment's). */
export function dockerApiAt(host?: string) {
  const call = caller(socketOf(host));
  return {
    async imageId(name: string): Promise<string | undefined> {
      const reply = await call("GET", `/images/${q(name)}/json`, undefined, { ok: [404] });
      return reply.status === 404 ? undefined : json<{ Id: string }>(reply).Id;
    },

    async removeImage(name: string): Promise<void> {
      await call("DELETE", `/images/${q(name)}`, undefined, { ok: [404] });
    },

    async createNetwork(body: { Name: string; Driver: string; Labels: Record<string, string>; CheckDuplicate: boolean }): Promise<string> {
      return json<{ Id: string }>(await call("POST", "/networks/create", body)).Id;
    },

    async removeNetwork(id: string): Promise<void> {
      await call("DELETE", `/networks/${q(id)}`, undefined, { ok: [404] });
    },

    async connectNetwork(network: string, container: string, aliases: string[]): Promise<void> {
      await call("POST", `/networks/${q(network)}/connect`, { Container: container, EndpointConfig: { Aliases: aliases } });
    },

    async createVolume(body: { Name: string; Driver: string; Labels: Record<string, string> }): Promise<string> {
      return json<{ Name: string }>(await call("POST", "/volumes/create", body)).Name;
    },

    async removeVolume(name: string): Promise<void> {
      await call("DELETE", `/volumes/${q(name)}`, undefined, { ok: [404] });
    },

    async createContainer(name: string, body: ContainerCreateRequest): Promise<string> {
      return json<{ Id: string }>(await call("POST", `/containers/create?name=${q(name)}`, body)).Id;
    },

    async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
      await call("PUT", `/containers/${q(id)}/archive?path=${q(path)}`, tar, { contentType: "application/x-tar" });
    },

    /** `docker update`: resources and restart policy of a container, in place. */
    async updateContainer(id: string, body: { RestartPolicy: { Name: string; MaximumRetryCount: number }; Memory?: number; MemorySwap?: number }): Promise<void> {
      await call("POST", `/containers/${q(id)}/update`, body);
    },

    async startContainer(id: string): Promise<void> {
      await call("POST", `/containers/${q(id)}/start`, undefined, { ok: [304] });
    },

    /** Stops with the container's own stop signal, killing it after `seconds`. */
    async stopContainer(id: string, seconds: number): Promise<void> {
      await call("POST", `/containers/${q(id)}/stop?t=${seconds}`, undefined, { ok: [304, 404], timeoutMs: (seconds + 60) * 1000 });
    },

    async removeContainer(id: string, removeVolumes: boolean): Promise<void> {
      await call("DELETE", `/containers/${q(id)}?force=1&v=${removeVolumes ? 1 : 0}`, undefined, { ok: [404] });
    },

    async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
      const reply = await call("GET", `/containers/${q(id)}/json`, undefined, { ok: [404] });
      return reply.status === 404 ? undefined : json<ContainerInfo>(reply);
    },

    /** Everything the provider's read looks at (`docker inspect`). */
    async inspectForState(id: string): Promise<ContainerInspect> {
      return json<ContainerInspect>(await call("GET", `/containers/${q(id)}/json`));
    },

    /** The last `tail` lines of stdout and stderr, demultiplexed (containers here have no TTY). */
    async logs(id: string, tail = 20): Promise<string> {
      const reply = await call("GET", `/containers/${q(id)}/logs?stdout=1&stderr=1&tail=${tail}`, undefined, { ok: [404] });
      if (reply.status === 404) return "";
      const out: Buffer[] = [];
      let at = 0;
      const raw = reply.body;
      while (at + 8 <= raw.length && raw[at] <= 2 && raw.readUInt16BE(at + 1) === 0) {
        const size = raw.readUInt32BE(at + 4);
        out.push(raw.subarray(at + 8, at + 8 + size));
        at += 8 + size;
      }
      return (at === 0 ? raw : Buffer.concat(out)).toString("utf8");
    },
  };
}

export type DockerApi = ReturnType<typeof dockerApiAt>;

/** The environment's own engine. */
export const dockerApi: DockerApi = dockerApiAt();

