import * as net from "node:net";
import { describe, expect, it } from "vitest";
import {
  checkConnectionInputs,
  classifyConnectError,
  connect,
  connectionErrorMessage,
  redact,
  redactedError,
  withClient,
  type ConnectFailureKind,
  type ConnectionInputs,
} from "../../../providers/connection";
import { UNKNOWN_PLACEHOLDER, containsUnknown, isUnknown } from "../../../providers/preview";

const PASSWORD = "s3cr3t-Pa55word";
const info: ConnectionInputs = { host: "127.0.0.1", port: 5432, user: "postgres", password: PASSWORD };

function errorWith(code: string | undefined, message: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe("classifyConnectError", () => {
  const cases: [string | undefined, string, ConnectFailureKind, boolean][] = [
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432", "refused", true],
    ["ECONNRESET", "read ECONNRESET", "closed", true],
    [undefined, "Connection terminated unexpectedly", "closed", true],
    [undefined, "timeout expired", "timeout", true],
    ["ETIMEDOUT", "connect ETIMEDOUT", "timeout", true],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND pg-primary", "host-not-found", true],
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN pg-primary", "host-not-found", true],
    ["EHOSTUNREACH", "connect EHOSTUNREACH", "unreachable", true],
    ["57P03", "the database system is starting up", "starting-up", true],
    ["53300", "sorry, too many clients already", "too-many-connections", true],
    ["28P01", 'password authentication failed for user "postgres"', "authentication", false],
    ["28000", 'no pg_hba.conf entry for host "172.18.0.1"', "authentication", false],
    ["3D000", 'database "nope" does not exist', "database-missing", false],
    ["XX000", "something odd", "other", false],
  ];
  for (const [code, message, kind, retryable] of cases) {
    it(`${code ?? "no code"} "${message}" is ${kind}, ${retryable ? "retried" : "not retried"}`, () => {
      const failure = classifyConnectError(errorWith(code, message));
      expect(failure.kind).toBe(kind);
      expect(failure.retryable).toBe(retryable);
    });
  }

  it("keeps the SQLSTATE of server errors only", () => {
    expect(classifyConnectError(errorWith("28P01", "x")).sqlstate).toBe("28P01");
    expect(classifyConnectError(errorWith("ECONNREFUSED", "x")).sqlstate).toBeUndefined();
  });

  it("removes the password from the driver's words", () => {
    const failure = classifyConnectError(errorWith(undefined, `bad thing near ${PASSWORD}`), PASSWORD);
    expect(failure.detail).not.toContain(PASSWORD);
    expect(failure.detail).toContain("[redacted]");
  });
});

describe("connectionErrorMessage", () => {
  const kinds: [string | undefined, string][] = [
    ["ECONNREFUSED", "connect ECONNREFUSED"],
    [undefined, "timeout expired"],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND"],
    ["57P03", "the database system is starting up"],
    ["28P01", `password authentication failed; the password was ${PASSWORD}`],
  ];
  for (const [code, message] of kinds) {
    it(`for ${code ?? message}: names endpoint and role, says why and what to check, and has no password`, () => {
      const failure = classifyConnectError(errorWith(code, message), PASSWORD);
      const text = connectionErrorMessage(info, failure, 3, 2500);
      expect(text).toContain("127.0.0.1:5432");
      expect(text).toContain('role "postgres"');
      expect(text).toMatch(/Check /);
      expect(text).not.toContain(PASSWORD);
    });
  }

  it("words each kind so an operator can tell them apart", () => {
    const words = (code: string | undefined, message: string) =>
      connectionErrorMessage(info, classifyConnectError(errorWith(code, message)), 1, 10);
    expect(words("ECONNREFUSED", "x")).toContain("connection refused");
    expect(words("28P01", "x")).toContain("authentication failed");
    expect(words(undefined, "timeout expired")).toContain("timed out");
    expect(words("ENOTFOUND", "x")).toContain("host not found");
    expect(words("57P03", "x")).toContain("starting up");
  });

  it("reports attempts and elapsed time for retried kinds, and 'not retried' for fatal ones", () => {
    const retried = connectionErrorMessage(info, classifyConnectError(errorWith("ECONNREFUSED", "x")), 7, 12_345);
    expect(retried).toContain("7 attempts over 12.3 s");
    const fatal = connectionErrorMessage(info, classifyConnectError(errorWith("28P01", "x")), 1, 12);
    expect(fatal).toContain("Not retried");
  });
});

describe("redact and redactedError", () => {
  it("replaces every occurrence", () => {
    expect(redact(`a ${PASSWORD} b ${PASSWORD}`, PASSWORD)).toBe("a [redacted] b [redacted]");
    expect(redact("nothing", "")).toBe("nothing");
  });

  it("gives a copy whose message and stack lack the password and keeps the code", () => {
    const original = Object.assign(new Error(`failed with ${PASSWORD}`), { code: "42501" });
    const copy = redactedError(original, PASSWORD);
    expect(copy.message).not.toContain(PASSWORD);
    expect(copy.stack ?? "").not.toContain(PASSWORD);
    expect((copy as Error & { code?: string }).code).toBe("42501");
  });
});

describe("connect against local sockets (no PostgreSQL needed)", () => {
  it("retries a refused port until the budget is spent, then fails with a clear message", async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await connect({ ...info, port, connectTimeoutSeconds: 1.5 }).then(
      () => undefined,
      (e: Error) => e,
    );
    const elapsed = Date.now() - started;
    expect(error?.message).toContain(`127.0.0.1:${port}`);
    expect(error?.message).toContain("connection refused");
    expect(error?.message).not.toContain(PASSWORD);
    expect((error as Error & { attempts: number }).attempts).toBeGreaterThan(3);
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3000);
  });

  it("times out a server that never answers and says so", async () => {
    const server = net.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const error = await connect({ ...info, port, connectTimeoutSeconds: 1 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toContain("timed out");
      expect(error?.message).not.toContain(PASSWORD);
    } finally {
      server.close();
    }
  });

  it("withClient hands back connection errors without the password", async () => {
    const port = await closedPort();
    const error = await withClient({ ...info, port, connectTimeoutSeconds: 0.3 }, async () => "never").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).not.toContain(PASSWORD);
  });
});

describe("checkConnectionInputs", () => {
  it("accepts a complete connection", () => {
    expect(checkConnectionInputs({ ...info, database: "postgres", connectTimeoutSeconds: 5, statementTimeoutMs: 1000 })).toEqual([]);
  });

  it("names each missing or malformed field", () => {
    const failures = checkConnectionInputs({ host: "", port: 70000, statementTimeoutMs: 1.5 });
    const properties = failures.map((f) => f.property).sort();
    expect(properties).toEqual(["host", "password", "port", "statementTimeoutMs", "user"]);
  });

  it("does not judge preview placeholders", () => {
    const failures = checkConnectionInputs({
      host: UNKNOWN_PLACEHOLDER,
      port: UNKNOWN_PLACEHOLDER,
      user: "postgres",
      password: UNKNOWN_PLACEHOLDER,
    });
    expect(failures).toEqual([]);
  });
});

describe("preview placeholder", () => {
  it("is recognised alone and inside lists and objects", () => {
    expect(isUnknown(UNKNOWN_PLACEHOLDER)).toBe(true);
    expect(isUnknown("04da6b54")).toBe(false);
    expect(containsUnknown([{ host: "a" }, { host: UNKNOWN_PLACEHOLDER }])).toBe(true);
    expect(containsUnknown([{ host: "a" }, { port: 5432 }])).toBe(false);
  });
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
