import * as pulumi from "@pulumi/pulumi";
import { checkConnectionInputs, endpointOf, ENDPOINT_FIELDS, withClient, type ConnectionArgs, type ConnectionInputs, type InputFailure } from "./connection";
import { changedKeys } from "./diffing";
import { isUnknown } from "./preview";
import { withSecretOutputs } from "./resourceOptions";

export interface PostgresDatabaseInputs extends ConnectionInputs {
  databaseName: string;
  /** Role that owns the database (and, through pg_database_owner, its public schema). */
  owner: string;
}

export interface PostgresDatabaseOutputs extends PostgresDatabaseInputs {
  /** The database's OID as a string; also the resource id, so it survives a rename. */
  oid: string;
  /** True when create found the database already there (a rebuild over restored data). */
  adopted: boolean;
}

/** Why `name` cannot be a database pgstack manages, or undefined. */
export function databaseNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name.length === 0) return `database name must be a non-empty string, got ${JSON.stringify(name)}`;
  if (Buffer.byteLength(name, "utf8") > 63) return `database name "${name}" is longer than PostgreSQL's 63 bytes`;
  if (["postgres", "template0", "template1"].includes(name)) return `"${name}" is one of PostgreSQL's own databases`;
  return undefined;
}

export function checkDatabaseInputs(news: Record<string, unknown>): InputFailure[] {
  const failures: InputFailure[] = [];
  if (!isUnknown(news.databaseName)) {
    const problem = databaseNameProblem(news.databaseName);
    if (problem) failures.push({ property: "databaseName", reason: problem });
  }
  if (!isUnknown(news.owner) && (typeof news.owner !== "string" || news.owner === "")) {
    failures.push({ property: "owner", reason: "owner must be a role name" });
  }
  return failures;
}

/** Every change is made in place: a database is never replaced, because replacing means dropping. */
export function diffDatabase(olds: Record<string, unknown>, news: Record<string, unknown>): pulumi.dynamic.DiffResult {
  const changes = changedKeys(olds, news, ["databaseName", "owner", ...ENDPOINT_FIELDS, "connectTimeoutSeconds", "statementTimeoutMs", "caCertificate"]);
  return { changes: changes.length > 0, replaces: [], deleteBeforeReplace: false };
}

function quoteIdent(client: { escapeIdentifier(s: string): string }, name: string): string {
  return client.escapeIdentifier(name);
}

interface ServerDatabase {
  oid: string;
  name: string;
  owner: string;
}

async function findDatabase(client: import("pg").Client, oid: string | undefined, name: string): Promise<ServerDatabase | undefined> {
  const { rows } = await client.query(
    "select d.oid::text as oid, d.datname as name, r.rolname as owner from pg_database d join pg_roles r on r.oid = d.datdba where d.oid::text = $1 or d.datname = $2 order by (d.oid::text = $1) desc limit 1",
    [oid ?? "", name],
  );
  return rows[0];
}

/** Creates, adopts or alters the database so that it has the declared name and owner. */
async function reconcileDatabase(inputs: PostgresDatabaseInputs, oid: string | undefined, oldName: string | undefined): Promise<{ db: ServerDatabase; adopted: boolean }> {
  return withClient(inputs, async (client) => {
    let db = await findDatabase(client, oid, oldName ?? inputs.databaseName);
    if (!db && oldName && oldName !== inputs.databaseName) db = await findDatabase(client, undefined, inputs.databaseName);
    const adopted = db !== undefined && oid === undefined;
    if (!db) {
      await client.query(`CREATE DATABASE ${quoteIdent(client, inputs.databaseName)} OWNER ${quoteIdent(client, inputs.owner)}`);
    } else {
      if (db.name !== inputs.databaseName) {
        try {
          await client.query(`ALTER DATABASE ${quoteIdent(client, db.name)} RENAME TO ${quoteIdent(client, inputs.databaseName)}`);
        } catch (err) {
          throw new Error(
            `cannot rename database "${db.name}" to "${inputs.databaseName}" on ${endpointOf(inputs)}: ${(err as Error).message}. ` +
              "PostgreSQL renames only a database nobody is connected to: stop PgBouncer and the application, then run pulumi up again",
          );
        }
      }
      if (db.owner !== inputs.owner) {
        await client.query(`ALTER DATABASE ${quoteIdent(client, inputs.databaseName)} OWNER TO ${quoteIdent(client, inputs.owner)}`);
      }
    }
    const final = await findDatabase(client, undefined, inputs.databaseName);
    if (!final) throw new Error(`database "${inputs.databaseName}" is missing on ${endpointOf(inputs)} right after it was created`);
    return { db: final, adopted };
  });
}

/**
 * The application database. It is created or adopted, renamed and re-owned in place, and never
 * dropped: removing it from the stack leaves the data where it is (drop it by hand if you mean it).
 */
export class PostgresDatabaseProvider implements pulumi.dynamic.ResourceProvider {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    return { inputs: news, failures: [...checkConnectionInputs(news), ...checkDatabaseInputs(news)] };
  }

  async diff(_id: string, olds: PostgresDatabaseOutputs, news: PostgresDatabaseInputs): Promise<pulumi.dynamic.DiffResult> {
    return diffDatabase(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  }

  async create(inputs: PostgresDatabaseInputs): Promise<pulumi.dynamic.CreateResult<PostgresDatabaseOutputs>> {
    const { db, adopted } = await reconcileDatabase(inputs, undefined, undefined);
    return { id: db.oid, outs: { ...inputs, oid: db.oid, adopted } };
  }

  async read(id: string, props: PostgresDatabaseOutputs): Promise<pulumi.dynamic.ReadResult<PostgresDatabaseOutputs>> {
    return withClient(props, async (client) => {
      const db = await findDatabase(client, id, props.databaseName);
      if (!db) return { id: "", props: {} as PostgresDatabaseOutputs };
      return { id: db.oid, props: { ...props, databaseName: db.name, owner: db.owner, oid: db.oid } };
    });
  }

  async update(id: string, olds: PostgresDatabaseOutputs, news: PostgresDatabaseInputs): Promise<pulumi.dynamic.UpdateResult<PostgresDatabaseOutputs>> {
    const { db } = await reconcileDatabase(news, id, olds.databaseName);
    return { outs: { ...news, oid: db.oid, adopted: olds.adopted ?? false } };
  }

  async delete(): Promise<void> {
    // Deliberately nothing: dropping a database is never a side effect of a deploy.
  }
}

export interface PostgresDatabaseArgs extends ConnectionArgs {
  databaseName: pulumi.Input<string>;
  owner: pulumi.Input<string>;
}

// One provider for every resource of this type: the SDK serializes a dynamic provider once per
// instance (it caches by instance), and serializing is most of a program run's time.
const PROVIDER = new PostgresDatabaseProvider();

/** A PostgreSQL database, owned by a role; never dropped by pgstack. */
export class PostgresDatabase extends pulumi.dynamic.Resource {
  declare readonly databaseName: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;
  declare readonly oid: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      database: undefined,
      connectTimeoutSeconds: undefined,
      statementTimeoutMs: undefined,
      ...args,
      password: pulumi.secret(args.password),
      oid: undefined,
      adopted: undefined,
    };
    super(PROVIDER, name, props, withSecretOutputs(opts, ["password"]), "postgres", "PostgresDatabase");
  }
}
