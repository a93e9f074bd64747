import type { Input } from "@pulumi/pulumi";
import type { Client } from "pg";
import { isUnknown } from "./preview";

// The engine serializes each provider with everything it calls, so these functions are captured
// by value into another process: keep them plain, load `pg` inside them, hold no module state.
// Constants are exported through the list at the end, never as `export const`: TypeScript turns
// uses of an `export const` into `exports.NAME`, which is undefined in the serialized copy.

/** The connection fields every pgstack provider takes, flat, next to its own inputs. */
export interface ConnectionInputs {
  host: string;
  port: number;
  user: string;
  /** Plaintext password of `user`; the resources mark it secret. */
  password: string;
  /** Database to connect to; default "postgres". */
  database?: string;
  /** Total time budget for connecting, across retries; default 60. */
  connectTimeoutSeconds?: number;
  /** `statement_timeout` of the session; default 30000. */
  statementTimeoutMs?: number;
  /** At most this many attempts within the budget (a probe that asks "who is up now" needs one); default unlimited. */
  maxAttempts?: number;
  /** PEM of the CA the server's certificate must chain to: TLS, verified with the host name (verify-full). Absent = no TLS. */
  caCertificate?: string;
}

/** The same fields as resource arguments, for the resources' Args interfaces. */
export interface ConnectionArgs {
  host: Input<string>;
  port: Input<number>;
  user: Input<string>;
  /** Made secret by the resource even when passed as a plain string. */
  password: Input<string>;
  database?: Input<string>;
  connectTimeoutSeconds?: Input<number>;
  statementTimeoutMs?: Input<number>;
  caCertificate?: Input<string>;
}

const DEFAULT_DATABASE = "postgres";
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 60;
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** Backoff between connection attempts starts here and doubles up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;
/** One attempt never waits longer than this for the server to answer. */
const MAX_ATTEMPT_MS = 10_000;

/** Why a connection attempt failed, in the terms an operator acts on. */
export type ConnectFailureKind =
  | "refused"
  | "closed"
  | "timeout"
  | "host-not-found"
  | "unreachable"
  | "starting-up"
  | "too-many-connections"
  | "authentication"
  | "database-missing"
  | "other";

export interface ConnectFailure {
  kind: ConnectFailureKind;
  /** Worth trying again: the server may simply not be up yet. */
  retryable: boolean;
  /** SQLSTATE when the server answered with an error. */
  sqlstate?: string;
  /** The driver's or server's own words, password removed. */
  detail: string;
}

/** `host:port`, the way operators write an endpoint. */
export function endpointOf(info: { host: string; port: number }): string {
  return `${info.host}:${info.port}`;
}

/** Replaces every occurrence of `secret` in `text`; a message must never carry the password. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join("[redacted]");
}

/** Sorts a failed connection attempt into retryable and fatal kinds. */
export function classifyConnectError(err: unknown, password?: string): ConnectFailure {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  const message = typeof e.message === "string" ? e.message : String(err);
  const detail = redact(message || code || "unknown error", password);
  const sqlstate = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const failure = (kind: ConnectFailureKind, retryable: boolean): ConnectFailure =>
    sqlstate ? { kind, retryable, sqlstate, detail } : { kind, retryable, detail };

  switch (code) {
    case "ECONNREFUSED":
      return failure("refused", true);
    case "ECONNRESET":
    case "EPIPE":
      return failure("closed", true);
    case "ETIMEDOUT":
      return failure("timeout", true);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return failure("host-not-found", true);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return failure("unreachable", true);
    case "57P03": // cannot_connect_now: starting up, shutting down, not yet consistent
      return failure("starting-up", true);
    case "53300": // too_many_connections
      return failure("too-many-connections", true);
    case "28P01": // invalid_password
    case "28000": // invalid_authorization_specification: no pg_hba.conf entry, role may not log in
      return failure("authentication", false);
    case "3D000": // invalid_catalog_name
      return failure("database-missing", false);
  }
  if (/timeout expired|timed out/i.test(message)) return failure("timeout", true);
  // Docker's port proxy accepts the TCP connection and then drops it while the container's
  // server is not listening yet; the driver reports that as an unexpected termination.
  if (/Connection terminated/i.test(message)) return failure("closed", true);
  return failure("other", false);
}

/** The failure in plain words. */
export function describeFailureKind(kind: ConnectFailureKind): string {
  switch (kind) {
    case "refused":
      return "connection refused (nothing listens on that port: the server or its container is down or not started yet)";
    case "closed":
      return "the connection was closed before the server answered (server still starting, or a published port with no server behind it)";
    case "timeout":
      return "timed out waiting for the server to answer";
    case "host-not-found":
      return "host not found (the name does not resolve)";
    case "unreachable":
      return "host unreachable (no network route to it)";
    case "starting-up":
      return "the server is starting up or shutting down and does not accept connections yet";
    case "too-many-connections":
      return "the server has no free connection slots";
    case "authentication":
      return "authentication failed";
    case "database-missing":
      return "the database does not exist";
    case "other":
      return "the connection failed";
  }
}

/** What the operator should look at for this kind of failure. */
export function remedyFor(kind: ConnectFailureKind, info: { host: string; port: number; user: string }): string {
  switch (kind) {
    case "authentication":
      return (
        `Check the password of role "${info.user}" in the stack's secrets, that the role exists and may log in, ` +
        `and that pg_hba.conf has a scram-sha-256 line for this client; the server log (docker logs <container>) names the reason.`
      );
    case "database-missing":
      return "Check the database name (default \"postgres\").";
    case "host-not-found":
      return (
        `Check the host name "${info.host}": a container's network alias resolves only inside its Docker network; ` +
        `from the host use 127.0.0.1 and the published port.`
      );
    case "too-many-connections":
      return "Check max_connections and who holds the connections (pg_stat_activity).";
    default:
      return (
        `Check that the server is running and healthy (docker ps; docker logs <container>) and that ` +
        `${endpointOf(info)} is its published endpoint.`
      );
  }
}

/** The error a failed connect throws: where, as whom, why, what to check; never the password. */
export function connectionErrorMessage(
  info: ConnectionInputs,
  failure: ConnectFailure,
  attempts: number,
  elapsedMs: number,
): string {
  const database = info.database ?? DEFAULT_DATABASE;
  const budget = info.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
  const cause = failure.sqlstate ? `SQLSTATE ${failure.sqlstate}: ${failure.detail}` : failure.detail;
  const tries = failure.retryable
    ? `Gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} over ${(elapsedMs / 1000).toFixed(1)} s (connectTimeoutSeconds=${budget}).`
    : "Not retried: this does not fix itself by waiting.";
  const message =
    `Cannot connect to PostgreSQL at ${endpointOf(info)} as role "${info.user}" (database "${database}"): ` +
    `${describeFailureKind(failure.kind)} [${cause}]. ${tries} ${remedyFor(failure.kind, info)}`;
  return redact(message, info.password);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Connects, retrying with exponential backoff while the server may still come up (refused,
 * closed, timed out, host not found/unreachable, starting up) until `connectTimeoutSeconds` runs
 * out; fails at once on authentication errors. The session gets `statement_timeout`.
 */
export async function connect(info: ConnectionInputs): Promise<Client> {
  const pg: typeof import("pg") = require("pg");
  const budgetMs = (info.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000;
  const started = Date.now();
  let backoffMs = FIRST_BACKOFF_MS;
  for (let attempt = 1; ; attempt++) {
    const remainingMs = budgetMs - (Date.now() - started);
    const client = new pg.Client({
      host: info.host,
      port: info.port,
      user: info.user,
      password: info.password,
      database: info.database ?? DEFAULT_DATABASE,
      application_name: "pgstack-provider",
      statement_timeout: info.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      // The providers' own commits (roles, slots, markers) must not wait for synchronous standbys:
      // on a fresh synchronous stack the primary requires one before any replica can exist.
      options: "-c synchronous_commit=local",
      connectionTimeoutMillis: Math.max(250, Math.min(MAX_ATTEMPT_MS, remainingMs)),
      // verify-full: the chain must end at the stack's CA and the certificate must name `host`.
      ...(info.caCertificate ? { ssl: { ca: info.caCertificate, rejectUnauthorized: true } } : {}),
    });
    // A server that goes away under an idle client emits 'error'; unhandled, it kills the process.
    client.on("error", () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      const failure = classifyConnectError(err, info.password);
      const elapsedMs = Date.now() - started;
      if (!failure.retryable || elapsedMs >= budgetMs || attempt >= (info.maxAttempts ?? Infinity)) {
        throw Object.assign(new Error(connectionErrorMessage(info, failure, attempt, elapsedMs)), {
          code: failure.sqlstate ?? (err as { code?: string }).code,
          failureKind: failure.kind,
          attempts: attempt,
        });
      }
      // The last wait ends at the deadline, for one final attempt.
      await sleep(Math.min(backoffMs, budgetMs - elapsedMs));
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }
}

/** A copy of `err` whose message (and stack) cannot carry the password. */
export function redactedError(err: unknown, password: string | undefined): Error {
  const e = (err ?? {}) as { message?: unknown; code?: unknown };
  const message = typeof e.message === "string" ? e.message : String(err);
  const copy = new Error(redact(message, password));
  if (typeof e.code === "string") Object.assign(copy, { code: e.code });
  for (const key of ["failureKind", "attempts"]) {
    if (err && typeof err === "object" && key in err) {
      Object.assign(copy, { [key]: (err as Record<string, unknown>)[key] });
    }
  }
  return copy;
}

/** Runs `fn` with a connected client and always closes it; errors come back without the password. */
export async function withClient<T>(info: ConnectionInputs, fn: (client: Client) => Promise<T>): Promise<T> {
  let client: Client | undefined;
  try {
    client = await connect(info);
    return await fn(client);
  } catch (err) {
    throw redactedError(err, info.password);
  } finally {
    if (client) await client.end().catch(() => undefined);
  }
}

export interface InputFailure {
  property: string;
  reason: string;
}

/** `check` failures for the connection fields; unknown (preview) values are not judged. */
export function checkConnectionInputs(news: Partial<Record<keyof ConnectionInputs, unknown>>): InputFailure[] {
  const failures: InputFailure[] = [];
  const known = (key: keyof ConnectionInputs) => news[key] !== undefined && !isUnknown(news[key]);
  const nonEmptyString = (key: keyof ConnectionInputs, required: boolean) => {
    if (news[key] === undefined) {
      if (required) failures.push({ property: key, reason: `${key} is required` });
    } else if (known(key) && (typeof news[key] !== "string" || news[key] === "")) {
      failures.push({ property: key, reason: `${key} must be a non-empty string` });
    }
  };
  const positiveNumber = (key: keyof ConnectionInputs, integer: boolean, max?: number) => {
    if (!known(key)) return;
    const value = news[key];
    const ok = typeof value === "number" && value > 0 && (!integer || Number.isInteger(value)) && (max === undefined || value <= max);
    if (!ok) {
      failures.push({
        property: key,
        reason: `${key} must be a positive ${integer ? "integer" : "number"}${max ? ` up to ${max}` : ""}, got ${JSON.stringify(value)}`,
      });
    }
  };
  nonEmptyString("host", true);
  if (news.port === undefined) failures.push({ property: "port", reason: "port is required" });
  positiveNumber("port", true, 65535);
  nonEmptyString("user", true);
  if (news.password === undefined) failures.push({ property: "password", reason: "password is required" });
  else if (known("password") && typeof news.password !== "string") {
    failures.push({ property: "password", reason: "password must be a string" });
  }
  nonEmptyString("database", false);
  positiveNumber("connectTimeoutSeconds", false);
  positiveNumber("statementTimeoutMs", true);
  return failures;
}

/** Runs `fn` in a transaction: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await fn();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** The connection fields that pick the server (and the identity used on it). */
const ENDPOINT_FIELDS = ["host", "port", "user", "password", "database"] as const;
/** Connection fields that only tune how the provider connects (waits, the CA it verifies with): an update, never a replacement. */
const TIMEOUT_FIELDS = ["connectTimeoutSeconds", "statementTimeoutMs", "caCertificate"] as const;

export {
  DEFAULT_DATABASE,
  DEFAULT_CONNECT_TIMEOUT_SECONDS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  FIRST_BACKOFF_MS,
  MAX_BACKOFF_MS,
  MAX_ATTEMPT_MS,
  ENDPOINT_FIELDS,
  TIMEOUT_FIELDS,
};
