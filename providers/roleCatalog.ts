import type { Client } from "pg";
import type { ServerRole } from "./roleSql";

// Reads roles and what depends on them from the system catalogs. pg_authid (for the stored
// password) is readable by superusers only, which the provider's connection role must be anyway
// to grant REPLICATION.

const ROLE_COLUMNS = `
  a.oid::text AS oid, a.rolname::text AS role_name, a.rolcanlogin AS login, a.rolreplication AS replication,
  a.rolcreatedb AS createdb, a.rolconnlimit AS connection_limit, a.rolpassword AS stored_password,
  ARRAY(SELECT DISTINCT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
        WHERE m.member = a.oid ORDER BY 1) AS member_of`;

interface RoleRow {
  oid: string;
  role_name: string;
  login: boolean;
  replication: boolean;
  createdb: boolean;
  connection_limit: number;
  stored_password: string | null;
  member_of: string[];
}

function toServerRole(row: RoleRow): ServerRole {
  return {
    oid: row.oid,
    roleName: row.role_name,
    login: row.login,
    replication: row.replication,
    createdb: row.createdb,
    connectionLimit: row.connection_limit,
    storedPassword: row.stored_password,
    memberOf: row.member_of,
  };
}

async function queryRole(client: Client, where: string, value: string): Promise<ServerRole | undefined> {
  try {
    const result = await client.query(`SELECT ${ROLE_COLUMNS} FROM pg_authid a WHERE ${where}`, [value]);
    return result.rows.length > 0 ? toServerRole(result.rows[0] as RoleRow) : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === "42501") {
      throw new Error(
        `cannot read pg_authid (${(err as Error).message}): the provider's connection role must be a superuser ` +
          `to compare password verifiers and to grant REPLICATION`,
      );
    }
    throw err;
  }
}

export function readRoleByOid(client: Client, oid: string): Promise<ServerRole | undefined> {
  if (!/^\d+$/.test(oid)) return Promise.resolve(undefined);
  return queryRole(client, "a.oid = $1::oid", oid);
}

export function readRoleByName(client: Client, roleName: string): Promise<ServerRole | undefined> {
  return queryRole(client, "a.rolname = $1", roleName);
}

/**
 * Finds the role a resource manages: by OID (its id, which survives renames) when that OID still
 * carries one of `names` (an OID can be reused after the data was rebuilt), else by those names.
 */
export async function locateRole(client: Client, id: string | undefined, names: string[]): Promise<ServerRole | undefined> {
  if (id) {
    const byOid = await readRoleByOid(client, id);
    if (byOid && names.includes(byOid.roleName)) return byOid;
  }
  for (const name of names) {
    const byName = await readRoleByName(client, name);
    if (byName) return byName;
  }
  return undefined;
}

/** Objects a role owns or has privileges on, per database (pg_shdepend covers all databases). */
export interface RoleDependencies {
  /** A database name, or "(cluster-wide)" for databases and tablespaces themselves. */
  database: string;
  owned: number;
  privileges: number;
  other: number;
}

export async function roleDependencies(client: Client, oid: string): Promise<RoleDependencies[]> {
  const result = await client.query(
    `SELECT coalesce(d.datname::text, '(cluster-wide)') AS database,
            count(*) FILTER (WHERE s.deptype = 'o')::int AS owned,
            count(*) FILTER (WHERE s.deptype IN ('a', 'i'))::int AS privileges,
            count(*) FILTER (WHERE s.deptype NOT IN ('o', 'a', 'i'))::int AS other
       FROM pg_shdepend s LEFT JOIN pg_database d ON d.oid = s.dbid
      WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1::oid
      GROUP BY 1 ORDER BY 1`,
    [oid],
  );
  return result.rows as RoleDependencies[];
}

/** Why a role with dependencies is not dropped, and what to do about it. */
export function dependencyRefusal(roleName: string, endpoint: string, deps: RoleDependencies[]): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const perDatabase = deps.map((d) => {
    const parts = [plural(d.owned, "owned object"), plural(d.privileges, "privilege")];
    if (d.other > 0) parts.push(plural(d.other, "other dependency"));
    return `database "${d.database}": ${parts.join(", ")}`;
  });
  const quoted = `"${roleName.replace(/"/g, '""')}"`;
  return (
    `Refusing to drop role ${quoted} on ${endpoint}: it still owns objects or holds privileges (${perDatabase.join("; ")}). ` +
    `In each database listed, run REASSIGN OWNED BY ${quoted} TO <another role>; then DROP OWNED BY ${quoted}; ` +
    `(or drop those objects yourself), then run the deletion again.`
  );
}
