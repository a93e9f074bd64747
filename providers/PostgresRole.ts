import * as pulumi from "@pulumi/pulumi";
import {
  checkConnectionInputs,
  endpointOf,
  ENDPOINT_FIELDS,
  inTransaction,
  TIMEOUT_FIELDS,
  withClient,
  type ConnectionArgs,
  type ConnectionInputs,
  type InputFailure,
} from "./connection";
import { changedKeys } from "./diffing";
import { isUnknown } from "./preview";
import { withSecretOutputs } from "./resourceOptions";
import { dependencyRefusal, locateRole, readRoleByName, readRoleByOid, roleDependencies } from "./roleCatalog";
import { createRoleSql, dropRoleSql, planRoleChanges, type DeclaredRole, type ServerRole } from "./roleSql";

/** Provider inputs: the connection fields plus the role as declared. */
export interface PostgresRoleInputs extends ConnectionInputs {
  roleName: string;
  login: boolean;
  replication: boolean;
  /** Default false. */
  createdb?: boolean;
  /** -1 = no limit (default). */
  connectionLimit?: number;
  /** Roles to be a member of (e.g. ["pg_monitor"]); removing one revokes it. Default []. */
  inRoles?: string[];
  /** SCRAM-SHA-256 verifier (never a plaintext password); absent = password not managed. */
  passwordVerifier?: string;
}

export interface PostgresRoleOutputs extends PostgresRoleInputs {
  createdb: boolean;
  connectionLimit: number;
  inRoles: string[];
  /** The role's OID as a string; also the resource id, so it survives renames. */
  oid: string;
  /** True when create found the role already there and took it over. */
  adopted: boolean;
  /** Whether the stored password equals passwordVerifier; null when no verifier is declared. */
  passwordMatches: boolean | null;
  /** Every role it is a direct member of on the server, including grants made outside pgstack. */
  memberOf: string[];
}

const MAX_NAME_BYTES = 63;
const SCRAM_KEY_BYTES = 32;

/** Why `name` cannot be a role pgstack manages, or undefined when it can. */
export function roleNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name.length === 0) return `role name must be a non-empty string, got ${JSON.stringify(name)}`;
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_NAME_BYTES) return `role name "${name}" is ${bytes} bytes long; PostgreSQL allows at most ${MAX_NAME_BYTES}`;
  if (name.includes("\0")) return "role name must not contain NUL characters";
  if (name.startsWith("pg_")) return `role name "${name}" starts with "pg_", which PostgreSQL reserves for built-in roles`;
  if (name === "public" || name === "none") return `role name "${name}" is reserved by PostgreSQL`;
  return undefined;
}

/**
 * Why `value` is not a SCRAM-SHA-256 verifier PostgreSQL would store as it is, or undefined. A
 * malformed one would be taken as a plaintext password and hashed, so it is refused up front.
 */
export function scramVerifierProblem(value: unknown): string | undefined {
  const shape = "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>";
  if (typeof value !== "string") return `passwordVerifier must be a string of the form ${shape}`;
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/.exec(value);
  // Never echo the value: a plaintext password put here by mistake must not reach the logs.
  if (!m) return `passwordVerifier is not a SCRAM-SHA-256 verifier (expected ${shape}; a plaintext password is not accepted)`;
  if (Number(m[1]) < 1) return "passwordVerifier has an iteration count below 1";
  if (Buffer.from(m[2], "base64").length === 0) return "passwordVerifier has an empty salt";
  for (const [label, key] of [["StoredKey", m[3]], ["ServerKey", m[4]]]) {
    if (Buffer.from(key, "base64").length !== SCRAM_KEY_BYTES) {
      return `passwordVerifier's ${label} must decode to ${SCRAM_KEY_BYTES} bytes`;
    }
  }
  return undefined;
}

/** `check` failures for the role fields; unknown (preview) values are not judged. */
export function checkRoleInputs(news: Record<string, unknown>): InputFailure[] {
  const failures: InputFailure[] = [];
  const known = (key: string) => news[key] !== undefined && !isUnknown(news[key]);
  const add = (property: string, reason: string | undefined) => {
    if (reason) failures.push({ property, reason });
  };
  if (news.roleName === undefined) add("roleName", "roleName is required");
  else if (known("roleName")) add("roleName", roleNameProblem(news.roleName));
  for (const key of ["login", "replication"]) {
    if (news[key] === undefined) add(key, `${key} is required (true or false)`);
  }
  for (const key of ["login", "replication", "createdb"]) {
    if (known(key) && typeof news[key] !== "boolean") add(key, `${key} must be true or false, got ${JSON.stringify(news[key])}`);
  }
  if (known("connectionLimit")) {
    const limit = news.connectionLimit;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < -1) {
      add("connectionLimit", `connectionLimit must be an integer >= -1 (-1 = no limit), got ${JSON.stringify(limit)}`);
    }
  }
  if (known("inRoles")) {
    if (!Array.isArray(news.inRoles)) add("inRoles", "inRoles must be a list of role names");
    else {
      for (const group of news.inRoles) {
        if (isUnknown(group)) continue;
        if (typeof group !== "string" || group.length === 0 || Buffer.byteLength(group) > MAX_NAME_BYTES) {
          add("inRoles", `inRoles entries must be role names of 1 to ${MAX_NAME_BYTES} bytes, got ${JSON.stringify(group)}`);
        } else if (group === news.roleName) {
          add("inRoles", `role "${group}" cannot be a member of itself`);
        }
      }
    }
  }
  if (known("passwordVerifier")) add("passwordVerifier", scramVerifierProblem(news.passwordVerifier));
  return failures;
}

/** The declared role with defaults applied and inRoles de-duplicated. */
export function declaredRole(inputs: PostgresRoleInputs): DeclaredRole {
  return {
    roleName: inputs.roleName,
    login: inputs.login,
    replication: inputs.replication,
    createdb: inputs.createdb ?? false,
    connectionLimit: inputs.connectionLimit ?? -1,
    inRoles: Array.from(new Set(inputs.inRoles ?? [])),
    passwordVerifier: inputs.passwordVerifier,
  };
}

const ROLE_FIELDS = ["roleName", "login", "replication", "createdb", "connectionLimit", "passwordVerifier"] as const;
const ROLE_DEFAULTS = { createdb: false, connectionLimit: -1, database: "postgres" };

/**
 * What changed, for `diff`. A role is never replaced: a new name renames it, a new endpoint
 * adopts it on that server, and everything else is altered in place.
 */
export function diffRole(olds: Partial<PostgresRoleOutputs>, news: Partial<PostgresRoleInputs>): pulumi.dynamic.DiffResult {
  const sortedRoles = (list: unknown) => (Array.isArray(list) ? Array.from(new Set(list)).sort() : []);
  const changed = changedKeys(olds, news, [...ENDPOINT_FIELDS, ...TIMEOUT_FIELDS, ...ROLE_FIELDS], ROLE_DEFAULTS);
  if (changedKeys({ inRoles: sortedRoles(olds.inRoles) }, { inRoles: sortedRoles(news.inRoles) }, ["inRoles"]).length > 0) {
    changed.push("inRoles");
  }
  // A refresh that found a different password on the server makes the next update set it again.
  if (olds.passwordMatches === false && news.passwordVerifier !== undefined && !changed.includes("passwordVerifier")) {
    changed.push("passwordVerifier");
  }
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

/** The outputs for `inputs` once the server holds `server`. */
export function roleOutputs(inputs: PostgresRoleInputs, server: ServerRole, adopted: boolean): PostgresRoleOutputs {
  const declared = declaredRole(inputs);
  return {
    ...inputs,
    createdb: declared.createdb,
    connectionLimit: declared.connectionLimit,
    inRoles: declared.inRoles,
    oid: server.oid,
    adopted,
    passwordMatches: declared.passwordVerifier === undefined ? null : server.storedPassword === declared.passwordVerifier,
    memberOf: server.memberOf,
  };
}

/** Adds where and which role to a server error, with a hint for the usual causes. */
function roleError(err: unknown, roleName: string, inputs: ConnectionInputs): Error {
  const e = err as { code?: string; message?: string };
  const hints: Record<string, string> = {
    "42704": "a role named in inRoles does not exist on that server",
    "42501": `the provider connects as "${inputs.user}", which must be a superuser`,
    "42710": "a role with the new name already exists",
  };
  const hint = e.code && hints[e.code] ? ` (${hints[e.code]})` : "";
  return Object.assign(new Error(`PostgresRole "${roleName}" on ${endpointOf(inputs)}: ${e.message ?? String(err)}${hint}`), {
    code: e.code,
  });
}

/**
 * Brings `server` (or a new role, when undefined) to `declared` inside the caller's transaction
 * and returns what the server then holds; throws when the verifier was not stored as given.
 */
async function reconcileRole(
  client: import("pg").Client,
  server: ServerRole | undefined,
  declared: DeclaredRole,
  previouslyDeclared: string[],
): Promise<ServerRole> {
  let current = server;
  if (!current) {
    await client.query(createRoleSql(declared));
    current = await readRoleByName(client, declared.roleName);
    if (!current) throw new Error(`role "${declared.roleName}" is missing right after CREATE ROLE`);
  }
  for (const statement of planRoleChanges(current, declared, previouslyDeclared)) {
    await client.query(statement);
  }
  const final = await readRoleByOid(client, current.oid);
  if (!final) throw new Error(`role "${declared.roleName}" (oid ${current.oid}) vanished while being altered`);
  if (declared.passwordVerifier !== undefined && final.storedPassword !== declared.passwordVerifier) {
    throw new Error(
      `PostgreSQL did not store passwordVerifier as given for role "${declared.roleName}" ` +
        `(a string PostgreSQL cannot parse as a SCRAM secret is hashed as a plaintext password instead)`,
    );
  }
  return final;
}

/**
 * Manages one PostgreSQL role. Methods only call module-level functions and load `pg` at run
 * time, so the engine's serialized copy works in its own process.
 */
export class PostgresRoleProvider implements pulumi.dynamic.ResourceProvider {
  /** Validates the inputs as the engine sends them: any shape, and placeholders during preview. */
  async check(_olds: Partial<PostgresRoleInputs>, news: Partial<PostgresRoleInputs>): Promise<pulumi.dynamic.CheckResult> {
    const bag = news as Record<string, unknown>;
    return { inputs: news, failures: [...checkConnectionInputs(bag), ...checkRoleInputs(bag)] };
  }

  async diff(_id: string, olds: PostgresRoleOutputs, news: PostgresRoleInputs): Promise<pulumi.dynamic.DiffResult> {
    return diffRole(olds, news);
  }

  /** Creates the role, or adopts one of that name (a rebuild over restored data), and declares it. */
  async create(inputs: PostgresRoleInputs): Promise<pulumi.dynamic.CreateResult<PostgresRoleOutputs>> {
    const declared = declaredRole(inputs);
    return withClient(inputs, async (client) => {
      const attempt = () =>
        inTransaction(client, async () => {
          const existing = await readRoleByName(client, declared.roleName);
          const final = await reconcileRole(client, existing, declared, []);
          return { id: final.oid, outs: roleOutputs(inputs, final, existing !== undefined) };
        });
      try {
        return await attempt();
      } catch (err) {
        // Someone created it between our look-up and CREATE ROLE: adopt it instead.
        if ((err as { code?: string }).code === "42710") {
          try {
            return await attempt();
          } catch (again) {
            throw roleError(again, declared.roleName, inputs);
          }
        }
        throw roleError(err, declared.roleName, inputs);
      }
    });
  }

  async read(id: string, props: PostgresRoleOutputs): Promise<pulumi.dynamic.ReadResult<PostgresRoleOutputs>> {
    return withClient(props, async (client) => {
      const server = await locateRole(client, id, [props.roleName]);
      // An empty id tells the engine the role is gone.
      if (!server) return { id: "", props: {} as PostgresRoleOutputs };
      const declaredGroups = props.inRoles ?? [];
      return {
        id: server.oid,
        props: {
          ...props,
          roleName: server.roleName,
          login: server.login,
          replication: server.replication,
          createdb: server.createdb,
          connectionLimit: server.connectionLimit,
          // Only the memberships this resource declares; a missing one shows as drift.
          inRoles: declaredGroups.filter((group) => server.memberOf.includes(group)),
          memberOf: server.memberOf,
          oid: server.oid,
          adopted: props.adopted ?? false,
          passwordMatches: props.passwordVerifier === undefined ? null : server.storedPassword === props.passwordVerifier,
        },
      };
    });
  }

  /** Alters attributes, memberships and password in place; a new roleName renames the role. */
  async update(id: string, olds: PostgresRoleOutputs, news: PostgresRoleInputs): Promise<pulumi.dynamic.UpdateResult<PostgresRoleOutputs>> {
    const declared = declaredRole(news);
    return withClient(news, async (client) => {
      try {
        return await inTransaction(client, async () => {
          const names = Array.from(new Set([olds.roleName, news.roleName]));
          const server = await locateRole(client, id, names);
          if (server && server.roleName !== declared.roleName && (await readRoleByName(client, declared.roleName))) {
            throw new Error(
              `cannot rename role "${server.roleName}" to "${declared.roleName}": a role named "${declared.roleName}" already exists`,
            );
          }
          // The same OID means the same role (also on a new endpoint after a failover); anything
          // else was created or adopted here.
          const adopted = server && server.oid === olds.oid ? olds.adopted ?? false : server !== undefined;
          const final = await reconcileRole(client, server, declared, olds.inRoles ?? []);
          return { outs: roleOutputs(news, final, adopted) };
        });
      } catch (err) {
        throw roleError(err, declared.roleName, news);
      }
    });
  }

  /**
   * Drops the role unless it still owns objects or holds privileges in some database; a role
   * that is already gone is fine.
   */
  async delete(id: string, props: PostgresRoleOutputs): Promise<void> {
    await withClient(props, async (client) => {
      const server = await locateRole(client, id, [props.roleName]);
      if (!server) return;
      const deps = await roleDependencies(client, server.oid);
      if (deps.length > 0) throw new Error(dependencyRefusal(server.roleName, endpointOf(props), deps));
      try {
        await client.query(dropRoleSql(server.roleName));
      } catch (err) {
        throw roleError(err, server.roleName, props);
      }
    });
  }
}

export interface PostgresRoleArgs extends ConnectionArgs {
  roleName: pulumi.Input<string>;
  login: pulumi.Input<boolean>;
  replication: pulumi.Input<boolean>;
  createdb?: pulumi.Input<boolean>;
  connectionLimit?: pulumi.Input<number>;
  inRoles?: pulumi.Input<pulumi.Input<string>[]>;
  /** A SCRAM-SHA-256 verifier (config/scram.ts makes one); made secret by the resource. */
  passwordVerifier?: pulumi.Input<string>;
}

// One provider for every resource of this type: the SDK serializes a dynamic provider once per
// instance (it caches by instance), and serializing is most of a program run's time.
const PROVIDER = new PostgresRoleProvider();

/** A PostgreSQL role (replicator, app user, monitoring user, backup user, ...). */
export class PostgresRole extends pulumi.dynamic.Resource {
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly user: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;
  declare readonly database: pulumi.Output<string | undefined>;
  declare readonly connectTimeoutSeconds: pulumi.Output<number | undefined>;
  declare readonly statementTimeoutMs: pulumi.Output<number | undefined>;
  declare readonly roleName: pulumi.Output<string>;
  declare readonly login: pulumi.Output<boolean>;
  declare readonly replication: pulumi.Output<boolean>;
  declare readonly createdb: pulumi.Output<boolean>;
  declare readonly connectionLimit: pulumi.Output<number>;
  declare readonly inRoles: pulumi.Output<string[]>;
  declare readonly passwordVerifier: pulumi.Output<string | undefined>;
  declare readonly oid: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly passwordMatches: pulumi.Output<boolean | null>;
  declare readonly memberOf: pulumi.Output<string[]>;

  constructor(name: string, args: PostgresRoleArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      database: undefined,
      connectTimeoutSeconds: undefined,
      statementTimeoutMs: undefined,
      createdb: undefined,
      connectionLimit: undefined,
      inRoles: undefined,
      passwordVerifier: undefined,
      ...args,
      password: pulumi.secret(args.password),
      ...(args.passwordVerifier === undefined ? {} : { passwordVerifier: pulumi.secret(args.passwordVerifier) }),
      oid: undefined,
      adopted: undefined,
      passwordMatches: undefined,
      memberOf: undefined,
    };
    super(PROVIDER, name, props, withSecretOutputs(opts, ["password", "passwordVerifier"]), "postgres", "PostgresRole");
  }
}
