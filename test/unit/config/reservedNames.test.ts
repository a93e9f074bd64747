import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../config/configError";
import { BACKUP_USER } from "../../../config/renderBackupEnv";
import { PGBOUNCER_ADMIN_USER, PGBOUNCER_STATS_USER } from "../../../config/renderPgbouncer";
import { RESERVED_ROLES, parseStackConfig, reservedRoleReason } from "../../../config/parseStackConfig";
import { CONTAINER_SCRIPT_DIR } from "../../../config/containerScripts";

// Issue 14, item 6: the application role must never be a role pgstack creates or names (it would
// take over what pgstack relies on, such as pgstack_rewind, which the replicator is granted), nor
// one PostgreSQL reserves; the database must not be one PgBouncer or PostgreSQL gives a meaning.

function problemsOf(config: Record<string, unknown>): string[] {
  try {
    parseStackConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`pgstack:${k}`, v])), "test");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
  }
  return [];
}

describe("appUser refuses every role pgstack creates or names", () => {
  it.each([
    ["postgres", /the superuser/],
    ["replicator", /replication role/],
    ["pgstack_rewind", /creates at initdb .* grants to the replicator/],
    ["pgstack_stats", /monitoring role/],
    ["pgstack_backup", /backup container's role/],
    ["pgstack_admin", /admin console user/],
    ["pgbouncer", /PgBouncer's admin console/],
    ["pgstack_healthcheck", /healthcheck/],
    ["pg_monitor", /PostgreSQL reserves the pg_ prefix/],
    ["pg_app", /PostgreSQL reserves the pg_ prefix/],
    ["pgstack_future", /pgstack reserves the pgstack_ prefix/],
    ["public", /every role/],
    ["none", /reserved by PostgreSQL/],
    ["current_user", /reserved by PostgreSQL/],
    ["session_user", /reserved by PostgreSQL/],
    ["current_role", /reserved by PostgreSQL/],
  ])("%s, naming the key and the reason", (name, reason) => {
    const found = problemsOf({ appUser: name });
    expect(found, found.join("\n")).toHaveLength(1);
    expect(found[0]).toMatch(/^pgstack:appUser: must not be a role pgstack or PostgreSQL reserves: /);
    expect(found[0]).toMatch(reason);
    expect(found[0]).toContain("choose another name");
  });

  it("covers the roles the rest of the code actually uses", () => {
    const named = new Set([BACKUP_USER, PGBOUNCER_ADMIN_USER, PGBOUNCER_STATS_USER, "replicator", "postgres"]);
    // The roles initdb's script creates, and the user the members' healthcheck names.
    const member = readFileSync(path.join(CONTAINER_SCRIPT_DIR, "postgres-member.sh"), "utf8");
    for (const m of member.matchAll(/CREATE ROLE (\w+)/g)) named.add(m[1]);
    const memberComponent = readFileSync(path.join(__dirname, "../../../components/PostgresMember.ts"), "utf8");
    for (const m of memberComponent.matchAll(/-U (pgstack_\w+)/g)) named.add(m[1]);
    expect(named).toContain("pgstack_rewind");
    expect(named).toContain("pgstack_healthcheck");
    for (const role of named) expect(reservedRoleReason(role), role).toBeDefined();
    for (const role of RESERVED_ROLES.keys()) expect(reservedRoleReason(role), role).toBeDefined();
  });

  it("accepts ordinary names", () => {
    for (const name of ["app", "shop_owner", "pgapp", "stats", "_svc"]) {
      expect(problemsOf({ appUser: name }), name).toEqual([]);
      expect(reservedRoleReason(name)).toBeUndefined();
    }
  });
});

describe("database refuses names PostgreSQL or PgBouncer give a meaning", () => {
  it.each([
    ["postgres", /one of PostgreSQL's own databases/],
    ["template0", /one of PostgreSQL's own databases/],
    ["template1", /one of PostgreSQL's own databases/],
    ["pgbouncer", /PgBouncer's admin console/],
  ])("%s", (name, reason) => {
    const found = problemsOf({ database: name });
    expect(found, found.join("\n")).toHaveLength(1);
    expect(found[0]).toMatch(/^pgstack:database: must not be /);
    expect(found[0]).toMatch(reason);
  });

  it("reports a reserved appUser and database together", () => {
    const found = problemsOf({ appUser: "pgstack_rewind", database: "pgbouncer" });
    expect(found.map((p) => p.split(":")[1])).toEqual(["database", "appUser"]);
  });
});
