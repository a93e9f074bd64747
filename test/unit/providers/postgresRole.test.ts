import { describe, expect, it } from "vitest";
import { scramVerifier } from "../../../config/scram";
import {
  checkRoleInputs,
  declaredRole,
  diffRole,
  roleNameProblem,
  roleOutputs,
  scramVerifierProblem,
  type PostgresRoleInputs,
  type PostgresRoleOutputs,
} from "../../../providers/PostgresRole";
import { dependencyRefusal } from "../../../providers/roleCatalog";
import { createRoleSql, planRoleChanges, setPasswordSql, type DeclaredRole, type ServerRole } from "../../../providers/roleSql";
import { UNKNOWN_PLACEHOLDER } from "../../../providers/preview";

const verifier = scramVerifier("app-password-1", Buffer.from("0123456789abcdef").toString("base64"));
const otherVerifier = scramVerifier("app-password-2", Buffer.from("0123456789abcdef").toString("base64"));

const connection = { host: "127.0.0.1", port: 5432, user: "postgres", password: "superpw" };
const inputs: PostgresRoleInputs = { ...connection, roleName: "app", login: true, replication: false };

function server(overrides: Partial<ServerRole> = {}): ServerRole {
  return {
    oid: "16384",
    roleName: "app",
    login: true,
    replication: false,
    createdb: false,
    connectionLimit: -1,
    memberOf: [],
    storedPassword: null,
    ...overrides,
  };
}

function declared(overrides: Partial<DeclaredRole> = {}): DeclaredRole {
  return { roleName: "app", login: true, replication: false, createdb: false, connectionLimit: -1, inRoles: [], ...overrides };
}

describe("role names", () => {
  it("accepts ordinary names, including ones that need quoting", () => {
    expect(roleNameProblem("replicator")).toBeUndefined();
    expect(roleNameProblem('We"ird Name')).toBeUndefined();
  });

  it("refuses empty, over-long (in bytes), pg_-prefixed and reserved names, naming the value", () => {
    expect(roleNameProblem("")).toMatch(/non-empty/);
    expect(roleNameProblem("a".repeat(64))).toMatch(/64 bytes.*at most 63/);
    expect(roleNameProblem("é".repeat(32))).toMatch(/64 bytes/);
    expect(roleNameProblem("a".repeat(63))).toBeUndefined();
    expect(roleNameProblem("pg_backup")).toMatch(/"pg_backup".*reserves/);
    expect(roleNameProblem("public")).toMatch(/reserved/);
  });
});

describe("SCRAM verifier shape", () => {
  it("accepts what config/scram.ts makes", () => {
    expect(scramVerifierProblem(verifier)).toBeUndefined();
  });

  it("refuses a plaintext password without repeating it", () => {
    const problem = scramVerifierProblem("hunter2-plaintext");
    expect(problem).toMatch(/not a SCRAM-SHA-256 verifier/);
    expect(problem).not.toContain("hunter2");
  });

  it("refuses keys of the wrong length and md5 hashes", () => {
    const [head, keys] = [verifier.slice(0, verifier.lastIndexOf("$") + 1), verifier.slice(verifier.lastIndexOf("$") + 1)];
    const serverKey = keys.split(":")[1];
    expect(scramVerifierProblem(`${head}AAAA:${serverKey}`)).toMatch(/StoredKey must decode to 32 bytes/);
    expect(scramVerifierProblem("md5" + "0".repeat(32))).toMatch(/not a SCRAM/);
  });
});

describe("checkRoleInputs", () => {
  it("accepts a full declaration", () => {
    expect(
      checkRoleInputs({ ...inputs, createdb: true, connectionLimit: 10, inRoles: ["pg_monitor"], passwordVerifier: verifier }),
    ).toEqual([]);
  });

  it("reports each bad field by property", () => {
    const failures = checkRoleInputs({
      roleName: "pg_x",
      login: "yes",
      connectionLimit: -2,
      inRoles: ["", "ok"],
      passwordVerifier: "plain",
    });
    expect(failures.map((f) => f.property).sort()).toEqual(
      ["connectionLimit", "inRoles", "login", "passwordVerifier", "replication", "roleName"].sort(),
    );
  });

  it("refuses a role that would be a member of itself", () => {
    expect(checkRoleInputs({ ...inputs, inRoles: ["app"] })).toEqual([
      { property: "inRoles", reason: 'role "app" cannot be a member of itself' },
    ]);
  });

  it("skips preview placeholders in every field", () => {
    const failures = checkRoleInputs({
      roleName: UNKNOWN_PLACEHOLDER,
      login: true,
      replication: false,
      connectionLimit: UNKNOWN_PLACEHOLDER,
      inRoles: [UNKNOWN_PLACEHOLDER],
      passwordVerifier: UNKNOWN_PLACEHOLDER,
    });
    expect(failures).toEqual([]);
  });
});

describe("role SQL", () => {
  it("quotes identifiers and the verifier literal with pg's escaping", () => {
    const sql = createRoleSql(declared({ roleName: 'o"neil', passwordVerifier: verifier }));
    expect(sql).toBe(`CREATE ROLE "o""neil" WITH LOGIN NOREPLICATION NOCREATEDB CONNECTION LIMIT -1 PASSWORD '${verifier}'`);
    expect(setPasswordSql("x", "it's")).toBe(`ALTER ROLE "x" PASSWORD 'it''s'`);
    expect(setPasswordSql("x", "back\\slash")).toBe(`ALTER ROLE "x" PASSWORD  E'back\\\\slash'`);
  });

  it("plans nothing when the server already matches", () => {
    expect(planRoleChanges(server({ storedPassword: verifier, memberOf: ["pg_monitor"] }), declared({ passwordVerifier: verifier, inRoles: ["pg_monitor"] }), ["pg_monitor"])).toEqual([]);
  });

  it("renames first, then alters only changed attributes, sets the password, grants and revokes", () => {
    const plan = planRoleChanges(
      server({ roleName: "old", memberOf: ["pg_monitor", "someone_elses"], storedPassword: otherVerifier }),
      declared({ roleName: "app", replication: true, connectionLimit: 5, inRoles: ["pg_read_all_data"], passwordVerifier: verifier }),
      ["pg_monitor"],
    );
    expect(plan).toEqual([
      'ALTER ROLE "old" RENAME TO "app"',
      'ALTER ROLE "app" WITH REPLICATION CONNECTION LIMIT 5',
      `ALTER ROLE "app" PASSWORD '${verifier}'`,
      'GRANT "pg_read_all_data" TO "app"',
      'REVOKE "pg_monitor" FROM "app"',
    ]);
  });

  it("leaves the password alone when no verifier is declared", () => {
    expect(planRoleChanges(server({ storedPassword: verifier }), declared(), [])).toEqual([]);
  });
});

describe("diffRole", () => {
  const olds: PostgresRoleOutputs = roleOutputs({ ...inputs, passwordVerifier: verifier }, server({ storedPassword: verifier }), false);
  const news: PostgresRoleInputs = { ...inputs, passwordVerifier: verifier };

  it("reports no change for the same declaration, defaults included", () => {
    expect(diffRole(olds, news)).toMatchObject({ changes: false, replaces: [] });
    expect(diffRole(olds, { ...news, createdb: false, connectionLimit: -1, inRoles: [], database: "postgres" }).changes).toBe(false);
  });

  it("never replaces: rename, endpoint, attributes, memberships and password are updates", () => {
    for (const change of [
      { roleName: "renamed" },
      { host: "10.0.0.9" },
      { port: 6543 },
      { login: false },
      { createdb: true },
      { connectionLimit: 3 },
      { inRoles: ["pg_monitor"] },
      { passwordVerifier: otherVerifier },
      { connectTimeoutSeconds: 5 },
    ]) {
      const result = diffRole(olds, { ...news, ...change });
      expect(result.changes, JSON.stringify(change)).toBe(true);
      expect(result.replaces, JSON.stringify(change)).toEqual([]);
    }
  });

  it("ignores the order of inRoles", () => {
    const a = { ...olds, inRoles: ["pg_monitor", "pg_read_all_data"] };
    expect(diffRole(a, { ...news, inRoles: ["pg_read_all_data", "pg_monitor"] }).changes).toBe(false);
  });

  it("treats a preview placeholder as a change, not an error", () => {
    expect(diffRole(olds, { ...news, passwordVerifier: UNKNOWN_PLACEHOLDER })).toMatchObject({ changes: true, replaces: [] });
    expect(diffRole(olds, { ...news, host: UNKNOWN_PLACEHOLDER })).toMatchObject({ changes: true, replaces: [] });
  });

  it("asks for an update when a refresh saw a different password on the server", () => {
    expect(diffRole({ ...olds, passwordMatches: false }, news).changes).toBe(true);
  });
});

describe("outputs", () => {
  it("carry the inputs, effective defaults, oid, adoption and password match", () => {
    const outs = roleOutputs({ ...inputs, inRoles: ["pg_monitor", "pg_monitor"], passwordVerifier: verifier }, server({ storedPassword: verifier, memberOf: ["pg_monitor"] }), true);
    expect(outs).toMatchObject({ ...inputs, createdb: false, connectionLimit: -1, inRoles: ["pg_monitor"], oid: "16384", adopted: true, passwordMatches: true, memberOf: ["pg_monitor"] });
    expect(roleOutputs(inputs, server(), false).passwordMatches).toBeNull();
    expect(declaredRole({ ...inputs, passwordVerifier: verifier }).passwordVerifier).toBe(verifier);
  });
});

describe("dependency refusal", () => {
  it("names each database with counts and says what to do", () => {
    const text = dependencyRefusal("app", "127.0.0.1:5432", [
      { database: "appdb", owned: 2, privileges: 1, other: 0 },
      { database: "postgres", owned: 0, privileges: 3, other: 0 },
    ]);
    expect(text).toContain('database "appdb": 2 owned objects, 1 privilege');
    expect(text).toContain('database "postgres": 0 owned objects, 3 privileges');
    expect(text).toContain('REASSIGN OWNED BY "app"');
    expect(text).toContain('DROP OWNED BY "app"');
  });
});
