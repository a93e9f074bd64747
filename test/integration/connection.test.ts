import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, type ConnectionInputs } from "../../providers/connection";
import { PostgresRoleProvider } from "../../providers/PostgresRole";
import { ReplicationSlotProvider } from "../../providers/ReplicationSlot";
import { createNetwork, removeAllWithPrefix, start, stop, uniquePrefix } from "../support/docker";
import { createPrimary, randomPassword, verifierFor, waitForPostgres, type PostgresNode } from "../support/postgresFixture";

// The connection helper's behaviour against a real server that is not there yet, booting, down,
// or given the wrong password. One primary container, started late on purpose.

const prefix = uniquePrefix();
const superuserPassword = randomPassword();
const wrongPassword = randomPassword();
let primary: PostgresNode;
let admin: ConnectionInputs;
/** Every error message these tests provoke; none may contain a password. */
const messages: string[] = [];

async function failure(promise: Promise<unknown>): Promise<Error & { attempts?: number; failureKind?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, "expected a failure").toBeInstanceOf(Error);
  messages.push(error!.message, error!.stack ?? "");
  return error!;
}

beforeAll(async () => {
  const network = await createNetwork(`${prefix}-net`);
  primary = await createPrimary({ image: inject("images").postgres, prefix, network, superuserPassword, createOnly: true });
  admin = { host: primary.host, port: primary.port, user: "postgres", password: superuserPassword };
});

afterAll(async () => {
  await removeAllWithPrefix(prefix);
});

describe("connect against a real PostgreSQL 17", () => {
  it("retries while the container is not started yet, then succeeds once it is up", async () => {
    const started = Date.now();
    const creating = new PostgresRoleProvider().create({ ...admin, connectTimeoutSeconds: 60, roleName: "early", login: true, replication: false });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await start(primary.container); // initdb and startup happen now, while create keeps retrying
    const result = await creating;
    expect(result.outs).toMatchObject({ roleName: "early", adopted: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it("retries while the server is still booting right after docker start", async () => {
    await stop(primary.container, 10);
    await start(primary.container);
    const client = await connect({ ...admin, connectTimeoutSeconds: 30 });
    try {
      const { rows } = await client.query("SHOW statement_timeout");
      expect(rows[0].statement_timeout).toBe("30s");
    } finally {
      await client.end();
    }
  });

  it("sets the session's statement_timeout as asked", async () => {
    const client = await connect({ ...admin, statementTimeoutMs: 250 });
    try {
      const error = await failure(client.query("SELECT pg_sleep(2)"));
      expect((error as Error & { code?: string }).code).toBe("57014");
    } finally {
      await client.end();
    }
  });

  it("fails at once on a wrong password, saying authentication failed, without the password", async () => {
    const started = Date.now();
    const error = await failure(connect({ ...admin, password: wrongPassword, connectTimeoutSeconds: 60 }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.attempts).toBe(1);
    expect(error.failureKind).toBe("authentication");
    expect(error.message).toContain(`Cannot connect to PostgreSQL at 127.0.0.1:${primary.port} as role "postgres"`);
    expect(error.message).toContain("authentication failed");
    expect(error.message).toContain("28P01");
  });

  it("fails at once for an unknown role too (the server hides which part was wrong)", async () => {
    const error = await failure(connect({ ...admin, user: "nobody", connectTimeoutSeconds: 60 }));
    expect(error.failureKind).toBe("authentication");
    expect(error.message).toContain('role "nobody"');
  });

  it("provider errors on a wrong password carry no password either", async () => {
    await failure(new ReplicationSlotProvider().create({ ...admin, password: wrongPassword, slotName: "never" }));
    await failure(
      new PostgresRoleProvider().create({
        ...admin,
        password: wrongPassword,
        roleName: "never",
        login: true,
        replication: false,
        passwordVerifier: verifierFor(wrongPassword),
      }),
    );
  });

  it("gives up on a stopped primary within the budget, saying connection refused", async () => {
    await stop(primary.container, 10);
    const started = Date.now();
    const error = await failure(new ReplicationSlotProvider().create({ ...admin, connectTimeoutSeconds: 3, slotName: "down" }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(5000);
    expect(error.message).toContain(`127.0.0.1:${primary.port}`);
    expect(error.message).toContain("connection refused");
    expect(error.message).toMatch(/Gave up after \d+ attempts over 3\.\d s/);
    expect(error.message).toContain("docker ps");
  });

  it("asks once when told to: a probe of a stopped server answers at once, not after the budget", async () => {
    const started = Date.now();
    const error = await failure(connect({ ...admin, connectTimeoutSeconds: 10, maxAttempts: 1 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.attempts).toBe(1);
    expect(error.failureKind).toBe("refused");
    expect(error.message).toMatch(/Gave up after 1 attempt over \d\.\d s/);
  });

  it("never puts a password in any error message above", () => {
    expect(messages.length).toBeGreaterThanOrEqual(6);
    for (const message of messages) {
      expect(message).not.toContain(superuserPassword);
      expect(message).not.toContain(wrongPassword);
    }
  });
});

describe("waitForPostgres (fixture) reports why a server never came up", () => {
  it("names the endpoint", async () => {
    const error = await waitForPostgres({ ...admin, connectTimeoutSeconds: 1 }, { timeoutSeconds: 1 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(`127.0.0.1:${primary.port} did not become ready`);
  });
});
