import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, type ConnectionInputs } from "../../providers/connection";
import { PostgresRoleProvider, type PostgresRoleInputs, type PostgresRoleOutputs } from "../../providers/PostgresRole";
import { query, randomPassword, startCluster, verifierFor, type Cluster } from "../support/postgresFixture";

// Every lifecycle step of PostgresRoleProvider against a real PostgreSQL 17 primary.

let cluster: Cluster;
const provider = new PostgresRoleProvider();

beforeAll(async () => {
  cluster = await startCluster({ image: inject("images").postgres, standbys: 0 });
});

afterAll(async () => {
  await cluster?.teardown();
});

/** Logs in as `user` with `password` on the primary; resolves to the error code when refused. */
async function loginAs(user: string, password: string): Promise<"ok" | string> {
  const conn: ConnectionInputs = { ...cluster.admin, user, password, connectTimeoutSeconds: 5 };
  try {
    const client = await connect(conn);
    await client.end();
    return "ok";
  } catch (err) {
    return String((err as { code?: string }).code);
  }
}

function roleInputs(extra: Partial<PostgresRoleInputs> & { roleName: string }): PostgresRoleInputs {
  return { ...cluster.admin, login: true, replication: false, ...extra };
}

interface RoleRow {
  rolname: string;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolcreatedb: boolean;
  rolconnlimit: number;
  rolpassword: string | null;
  member_of: string[];
}

async function serverRole(name: string): Promise<RoleRow | undefined> {
  const rows = await query<RoleRow>(
    cluster.admin,
    `SELECT rolname, rolcanlogin, rolreplication, rolcreatedb, rolconnlimit, rolpassword,
            ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = a.oid ORDER BY 1) AS member_of
       FROM pg_authid a WHERE rolname = $1`,
    [name],
  );
  return rows[0];
}

describe("PostgresRole lifecycle", () => {
  const password1 = randomPassword();
  const password2 = randomPassword();
  const verifier1 = verifierFor(password1);
  const verifier2 = verifierFor(password2);
  let id: string;
  let outs: PostgresRoleOutputs;

  it("creates a login role with a SCRAM verifier and a membership", async () => {
    const inputs = roleInputs({ roleName: "app", passwordVerifier: verifier1, inRoles: ["pg_monitor"] });
    const result = await provider.create(inputs);
    id = result.id;
    outs = result.outs!;
    expect(id).toMatch(/^\d+$/);
    expect(outs).toMatchObject({ roleName: "app", oid: id, adopted: false, passwordMatches: true, inRoles: ["pg_monitor"], connectionLimit: -1 });
    expect(await serverRole("app")).toMatchObject({ rolcanlogin: true, rolreplication: false, rolpassword: verifier1, member_of: ["pg_monitor"] });
    expect(await loginAs("app", password1)).toBe("ok");
    expect(await loginAs("app", password2)).toBe("28P01");
  });

  it("adopts the role when created again, changing nothing", async () => {
    const before = await serverRole("app");
    const again = await provider.create(roleInputs({ roleName: "app", passwordVerifier: verifier1, inRoles: ["pg_monitor"] }));
    expect(again.id).toBe(id);
    expect(again.outs).toMatchObject({ adopted: true, passwordMatches: true, oid: id });
    expect(await serverRole("app")).toEqual(before);
  });

  it("adopts a role made by hand and brings it to the declaration", async () => {
    const made = await cluster.psql(cluster.primary, "CREATE ROLE monitor NOLOGIN REPLICATION CONNECTION LIMIT 2 PASSWORD 'by-hand'");
    expect(made.code, made.stderr).toBe(0);
    const result = await provider.create(
      roleInputs({ roleName: "monitor", connectionLimit: 4, inRoles: ["pg_monitor"], passwordVerifier: verifier2 }),
    );
    expect(result.outs).toMatchObject({ adopted: true, passwordMatches: true });
    expect(await serverRole("monitor")).toMatchObject({
      rolcanlogin: true,
      rolreplication: false,
      rolconnlimit: 4,
      rolpassword: verifier2,
      member_of: ["pg_monitor"],
    });
    expect(await loginAs("monitor", password2)).toBe("ok");
  });

  it("reads what the server really has, so drift shows in the next diff", async () => {
    const clean = await provider.read(id, outs);
    expect(clean.id).toBe(id);
    expect(clean.props).toMatchObject({ login: true, inRoles: ["pg_monitor"], passwordMatches: true });
    expect((await provider.diff(id, clean.props!, roleInputs({ roleName: "app", passwordVerifier: verifier1, inRoles: ["pg_monitor"] }))).changes).toBe(false);

    const drift = await cluster.psql(cluster.primary, "ALTER ROLE app NOLOGIN CONNECTION LIMIT 1 PASSWORD 'changed-by-hand'; REVOKE pg_monitor FROM app");
    expect(drift.code, drift.stderr).toBe(0);
    const drifted = await provider.read(id, outs);
    expect(drifted.props).toMatchObject({ login: false, connectionLimit: 1, inRoles: [], memberOf: [], passwordMatches: false });
    const diff = await provider.diff(id, drifted.props!, roleInputs({ roleName: "app", passwordVerifier: verifier1, inRoles: ["pg_monitor"] }));
    expect(diff).toMatchObject({ changes: true, replaces: [] });

    // The update that follows the refresh repairs it.
    const repaired = await provider.update(id, drifted.props!, roleInputs({ roleName: "app", passwordVerifier: verifier1, inRoles: ["pg_monitor"] }));
    expect(repaired.outs).toMatchObject({ passwordMatches: true, login: true, memberOf: ["pg_monitor"] });
    expect(await loginAs("app", password1)).toBe("ok");
    outs = repaired.outs!;
  });

  it("updates attributes, memberships and the password in place", async () => {
    const news = roleInputs({
      roleName: "app",
      createdb: true,
      connectionLimit: 5,
      inRoles: ["pg_read_all_data"],
      passwordVerifier: verifier2,
    });
    expect((await provider.diff(id, outs, news)).replaces).toEqual([]);
    const result = await provider.update(id, outs, news);
    outs = result.outs!;
    expect(outs).toMatchObject({ oid: id, createdb: true, connectionLimit: 5, inRoles: ["pg_read_all_data"], passwordMatches: true });
    expect(await serverRole("app")).toMatchObject({ rolcreatedb: true, rolconnlimit: 5, member_of: ["pg_read_all_data"], rolpassword: verifier2 });
    expect(await loginAs("app", password2)).toBe("ok");
    expect(await loginAs("app", password1)).toBe("28P01");
  });

  it("leaves memberships it did not grant alone", async () => {
    const granted = await cluster.psql(cluster.primary, "GRANT pg_signal_backend TO app");
    expect(granted.code, granted.stderr).toBe(0);
    const result = await provider.update(id, outs, roleInputs({ roleName: "app", createdb: true, connectionLimit: 5, inRoles: [], passwordVerifier: verifier2 }));
    outs = result.outs!;
    expect((await serverRole("app"))?.member_of).toEqual(["pg_signal_backend"]);
  });

  it("renames in place: same OID, same password, old name gone", async () => {
    const news = roleInputs({ roleName: "app_renamed", createdb: true, connectionLimit: 5, inRoles: [], passwordVerifier: verifier2 });
    const diff = await provider.diff(id, outs, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const result = await provider.update(id, outs, news);
    outs = result.outs!;
    expect(outs).toMatchObject({ roleName: "app_renamed", oid: id, passwordMatches: true });
    expect(await serverRole("app")).toBeUndefined();
    expect(await serverRole("app_renamed")).toBeDefined();
    expect(await loginAs("app_renamed", password2)).toBe("ok");
  });

  it("refuses to drop a role that owns a table, naming the database, then drops it once reassigned", async () => {
    for (const sql of ["CREATE DATABASE appdb", "GRANT CREATE ON DATABASE appdb TO app_renamed"]) {
      const r = await cluster.psql(cluster.primary, sql);
      expect(r.code, r.stderr).toBe(0);
    }
    const table = await cluster.psql(cluster.primary, "CREATE TABLE orders (id int); ALTER TABLE orders OWNER TO app_renamed", "appdb");
    expect(table.code, table.stderr).toBe(0);

    const refused = await provider.delete(id, outs).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.message).toContain('Refusing to drop role "app_renamed"');
    expect(refused?.message).toContain('database "appdb": 1 owned object');
    expect(refused?.message).toContain("REASSIGN OWNED");
    expect(refused?.message).not.toContain(cluster.superuserPassword);
    expect(await serverRole("app_renamed")).toBeDefined();

    for (const [sql, db] of [
      ["REASSIGN OWNED BY app_renamed TO postgres; DROP OWNED BY app_renamed", "appdb"],
      ["DROP OWNED BY app_renamed", "postgres"],
    ]) {
      const r = await cluster.psql(cluster.primary, sql, db);
      expect(r.code, r.stderr).toBe(0);
    }
    await provider.delete(id, outs);
    expect(await serverRole("app_renamed")).toBeUndefined();
  });

  it("treats deleting a role that is already gone as done, and read reports it gone", async () => {
    await expect(provider.delete(id, outs)).resolves.toBeUndefined();
    expect((await provider.read(id, outs)).id).toBe("");
  });
});

describe("PostgresRole roles the stack needs", () => {
  it("creates the replicator (REPLICATION LOGIN) and the backup user (pg_read_all_data)", async () => {
    const replicatorPassword = randomPassword();
    const replicator = await provider.create(
      roleInputs({ roleName: "replicator2", replication: true, passwordVerifier: verifierFor(replicatorPassword) }),
    );
    expect(replicator.outs).toMatchObject({ replication: true, login: true, adopted: false });
    expect(await serverRole("replicator2")).toMatchObject({ rolreplication: true, rolcanlogin: true });

    const backup = await provider.create(roleInputs({ roleName: "backup", inRoles: ["pg_read_all_data"] }));
    expect(backup.outs).toMatchObject({ passwordMatches: null, memberOf: ["pg_read_all_data"] });
  });

  it("fails clearly when an inRoles entry does not exist, and creates nothing", async () => {
    const error = await provider.create(roleInputs({ roleName: "ghost_member", inRoles: ["no_such_group"] })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/PostgresRole "ghost_member" on 127\.0\.0\.1:\d+: .*no_such_group/);
    expect(await serverRole("ghost_member")).toBeUndefined();
  });

  it("refuses a rename onto an existing role's name", async () => {
    const a = await provider.create(roleInputs({ roleName: "rename_a" }));
    await provider.create(roleInputs({ roleName: "rename_b" }));
    const error = await provider.update(a.id, a.outs!, roleInputs({ roleName: "rename_b" })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain('a role named "rename_b" already exists');
    expect(await serverRole("rename_a")).toBeDefined();
  });

  it("check rejects a pg_ name and a plaintext password before touching the server", async () => {
    const result = await provider.check({}, { ...roleInputs({ roleName: "pg_app" }), passwordVerifier: "plaintext-oops" });
    expect(result.failures?.map((f) => f.property).sort()).toEqual(["passwordVerifier", "roleName"]);
    expect(JSON.stringify(result.failures)).not.toContain("plaintext-oops");
    expect(await serverRole("pg_app")).toBeUndefined();
  });
});

describe("PostgresRole on a primary that demands a synchronous standby", () => {
  it("still creates the role at once: provider sessions commit locally", async () => {
    await query(cluster.admin, "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (nobody)'");
    await query(cluster.admin, "SELECT pg_reload_conf()");
    try {
      // Without synchronous_commit = local this commit would wait for a standby that never comes.
      const started = Date.now();
      const created = await provider.create(roleInputs({ roleName: "sync_guarded", statementTimeoutMs: 10_000 }));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await serverRole("sync_guarded"))?.rolcanlogin).toBe(true);
      await provider.delete(created.id, created.outs as PostgresRoleOutputs);
    } finally {
      await query(cluster.admin, "ALTER SYSTEM RESET synchronous_standby_names");
      await query(cluster.admin, "SELECT pg_reload_conf()");
    }
  });
});
