// SQL text for roles, built from declared and observed state. Pure: the tests read it without a
// server, and the provider runs it. Identifiers and literals go through pg's own escaping
// (escapeIdentifier/escapeLiteral), never through a shell.

/** Attributes pgstack manages on a role. */
export interface RoleAttributes {
  login: boolean;
  replication: boolean;
  createdb: boolean;
  /** -1 = no limit. */
  connectionLimit: number;
}

/** What the stack declares. */
export interface DeclaredRole extends RoleAttributes {
  roleName: string;
  /** Roles this role must be a member of. */
  inRoles: string[];
  /** SCRAM-SHA-256 verifier; undefined = the password is not managed. */
  passwordVerifier?: string;
}

/** What the server has. */
export interface ServerRole extends RoleAttributes {
  oid: string;
  roleName: string;
  /** Every role this role is a direct member of, sorted. */
  memberOf: string[];
  /** pg_authid.rolpassword: a verifier, an md5 hash, or null. */
  storedPassword: string | null;
}

export function quoteIdent(name: string): string {
  const pg: typeof import("pg") = require("pg");
  return pg.escapeIdentifier(name);
}

export function quoteLiteral(value: string): string {
  const pg: typeof import("pg") = require("pg");
  return pg.escapeLiteral(value);
}

/** `LOGIN NOREPLICATION ...` for the given attributes (all of them unless `only` names some). */
export function attributeClauses(attrs: RoleAttributes, only?: (keyof RoleAttributes)[]): string[] {
  const wanted = (key: keyof RoleAttributes) => !only || only.includes(key);
  const clauses: string[] = [];
  if (wanted("login")) clauses.push(attrs.login ? "LOGIN" : "NOLOGIN");
  if (wanted("replication")) clauses.push(attrs.replication ? "REPLICATION" : "NOREPLICATION");
  if (wanted("createdb")) clauses.push(attrs.createdb ? "CREATEDB" : "NOCREATEDB");
  if (wanted("connectionLimit")) clauses.push(`CONNECTION LIMIT ${Math.trunc(attrs.connectionLimit)}`);
  return clauses;
}

/** CREATE ROLE with every managed attribute and, when declared, the verifier as its password. */
export function createRoleSql(role: DeclaredRole): string {
  const password = role.passwordVerifier === undefined ? "" : ` PASSWORD ${quoteLiteral(role.passwordVerifier)}`;
  return `CREATE ROLE ${quoteIdent(role.roleName)} WITH ${attributeClauses(role).join(" ")}${password}`;
}

/** ALTER ROLE ... PASSWORD '<verifier>': PostgreSQL stores a well-formed verifier as it is. */
export function setPasswordSql(roleName: string, verifier: string): string {
  return `ALTER ROLE ${quoteIdent(roleName)} PASSWORD ${quoteLiteral(verifier)}`;
}

export function renameRoleSql(from: string, to: string): string {
  return `ALTER ROLE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`;
}

export function grantMembershipSql(group: string, member: string): string {
  return `GRANT ${quoteIdent(group)} TO ${quoteIdent(member)}`;
}

export function revokeMembershipSql(group: string, member: string): string {
  return `REVOKE ${quoteIdent(group)} FROM ${quoteIdent(member)}`;
}

export function dropRoleSql(roleName: string): string {
  return `DROP ROLE ${quoteIdent(roleName)}`;
}

/**
 * Statements that take `server` to `declared`, in a safe order: rename, attributes, password,
 * grants, revokes. Only memberships in `previouslyDeclared` (the ones this resource granted) are
 * revoked; memberships someone else granted are left alone.
 */
export function planRoleChanges(server: ServerRole, declared: DeclaredRole, previouslyDeclared: string[]): string[] {
  const statements: string[] = [];
  const name = declared.roleName;
  if (server.roleName !== name) statements.push(renameRoleSql(server.roleName, name));

  const keys: (keyof RoleAttributes)[] = ["login", "replication", "createdb", "connectionLimit"];
  const changed = keys.filter((key) => server[key] !== declared[key]);
  if (changed.length > 0) {
    statements.push(`ALTER ROLE ${quoteIdent(name)} WITH ${attributeClauses(declared, changed).join(" ")}`);
  }

  if (declared.passwordVerifier !== undefined && server.storedPassword !== declared.passwordVerifier) {
    statements.push(setPasswordSql(name, declared.passwordVerifier));
  }

  for (const group of declared.inRoles) {
    if (!server.memberOf.includes(group)) statements.push(grantMembershipSql(group, name));
  }
  for (const group of previouslyDeclared) {
    if (!declared.inRoles.includes(group) && server.memberOf.includes(group)) {
      statements.push(revokeMembershipSql(group, name));
    }
  }
  return statements;
}
