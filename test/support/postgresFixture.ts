import { randomBytes } from "node:crypto";
import { scramVerifier } from "../../config/scram";
import { connect, withClient, type ConnectionInputs } from "../../providers/connection";
import { PostgresRoleProvider } from "../../providers/PostgresRole";
import { ReplicationSlotProvider } from "../../providers/ReplicationSlot";
import {
  createNetwork,
  exec,
  freePort,
  logs,
  removeAllWithPrefix,
  runContainer,
  uniquePrefix,
  type DockerResult,
  type NetworkInfo,
} from "./docker";

// Real PostgreSQL 17 clusters for the integration tests: a primary (wal_level=replica, SCRAM
// pg_hba for the Docker network) and standbys cloned with pg_basebackup from replication slots
// that the providers under test create. Containers refer to the postgres user by name: it is
// uid 100 in the local image and 999 in the official one.

const PGDATA = "/var/lib/postgresql/data";
const SUPERUSER = "postgres";
export const REPLICATOR = "replicator";

/** Runs a command as the postgres user, whatever its uid. */
const AS_POSTGRES = "setpriv --reuid=postgres --regid=postgres --init-groups";

const PREPARE_DIRS = `
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
`;

const PRIMARY_SCRIPT = `set -euo pipefail
export PGDATA=${PGDATA}
${PREPARE_DIRS}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s' "$PGSTACK_SUPERUSER_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  ${AS_POSTGRES} initdb -D "$PGDATA" -U ${SUPERUSER} --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  cat >> "$PGDATA/postgresql.conf" <<EOF
listen_addresses = '*'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
password_encryption = 'scram-sha-256'
EOF
  cat > "$PGDATA/pg_hba.conf" <<EOF
local all all trust
host all all $PGSTACK_HBA_CIDR scram-sha-256
host replication all $PGSTACK_HBA_CIDR scram-sha-256
EOF
fi
exec ${AS_POSTGRES} postgres -D "$PGDATA"
`;

// pg_basebackup -R writes primary_conninfo from its own connection, application_name included.
const STANDBY_SCRIPT = `set -euo pipefail
export PGDATA=${PGDATA}
${PREPARE_DIRS}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  ${AS_POSTGRES} pg_basebackup -D "$PGDATA" -R -S "$PGSTACK_SLOT" -X stream --checkpoint=fast \\
    -d "host=$PGSTACK_PRIMARY_HOST port=5432 user=$PGSTACK_REPLICATOR_USER password=$PGSTACK_REPLICATOR_PASSWORD application_name=$PGSTACK_APPLICATION_NAME"
fi
exec ${AS_POSTGRES} postgres -D "$PGDATA" -c hot_standby=on
`;

export interface PostgresNode {
  container: string;
  /** Network alias other containers use. */
  alias: string;
  /** Published endpoint on the host. */
  host: string;
  port: number;
}

export interface StandbyNode extends PostgresNode {
  applicationName: string;
  slotName: string;
}

export interface Cluster {
  prefix: string;
  network: NetworkInfo;
  image: string;
  primary: PostgresNode;
  standbys: StandbyNode[];
  superuserPassword: string;
  replicatorPassword: string;
  /** Superuser connection to the primary's published endpoint. */
  admin: ConnectionInputs;
  /** Superuser connection to any node's published endpoint. */
  adminOf(node: PostgresNode): ConnectionInputs;
  /** `psql` inside a node's container over the local socket (trusted), as the postgres user. */
  psql(node: PostgresNode, sql: string, database?: string): Promise<DockerResult>;
  /** Removes every container, volume and network of this cluster. */
  teardown(): Promise<void>;
}

export function randomPassword(): string {
  return randomBytes(12).toString("hex");
}

/** A fresh salt per call: the verifier must still match, whatever the salt. */
export function verifierFor(password: string): string {
  return scramVerifier(password, randomBytes(16).toString("base64"));
}

export interface PrimaryOptions {
  image: string;
  prefix: string;
  network: NetworkInfo;
  superuserPassword: string;
  /** Host port to publish on; a free one when omitted. */
  port?: number;
  /** Create the container without starting it (to test connecting before the server exists). */
  createOnly?: boolean;
  name?: string;
}

/** Creates (and by default starts) a primary container; does not wait for it. */
export async function createPrimary(options: PrimaryOptions): Promise<PostgresNode> {
  const name = options.name ?? `${options.prefix}-primary`;
  const port = options.port ?? (await freePort());
  await runContainer({
    name,
    image: options.image,
    network: options.network.name,
    aliases: [name],
    ports: [{ containerPort: 5432, hostPort: port }],
    env: { PGSTACK_SUPERUSER_PASSWORD: options.superuserPassword, PGSTACK_HBA_CIDR: options.network.subnet },
    stopSignal: "SIGINT",
    createOnly: options.createOnly,
    command: ["bash", "-c", PRIMARY_SCRIPT],
  });
  return { container: name, alias: name, host: "127.0.0.1", port };
}

export interface StandbyOptions {
  image: string;
  prefix: string;
  network: NetworkInfo;
  primary: PostgresNode;
  replicatorPassword: string;
  applicationName: string;
  slotName: string;
}

/** Starts a standby that clones the primary through its slot; does not wait for it. */
export async function createStandby(options: StandbyOptions): Promise<StandbyNode> {
  const name = `${options.prefix}-${options.applicationName}`;
  const port = await freePort();
  await runContainer({
    name,
    image: options.image,
    network: options.network.name,
    aliases: [name],
    ports: [{ containerPort: 5432, hostPort: port }],
    env: {
      PGSTACK_PRIMARY_HOST: options.primary.alias,
      PGSTACK_REPLICATOR_USER: REPLICATOR,
      PGSTACK_REPLICATOR_PASSWORD: options.replicatorPassword,
      PGSTACK_APPLICATION_NAME: options.applicationName,
      PGSTACK_SLOT: options.slotName,
    },
    stopSignal: "SIGINT",
    command: ["bash", "-c", STANDBY_SCRIPT],
  });
  return { container: name, alias: name, host: "127.0.0.1", port, applicationName: options.applicationName, slotName: options.slotName };
}

/** Waits until `conn` accepts queries (and, when asked, reports the recovery state wanted). */
export async function waitForPostgres(
  conn: ConnectionInputs,
  options: { timeoutSeconds?: number; inRecovery?: boolean; container?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutSeconds ?? 60) * 1000;
  for (;;) {
    try {
      const client = await connect({ ...conn, connectTimeoutSeconds: Math.max(1, (deadline - Date.now()) / 1000) });
      try {
        const { rows } = await client.query("SELECT pg_is_in_recovery() AS r");
        if (options.inRecovery === undefined || rows[0].r === options.inRecovery) return;
      } finally {
        await client.end();
      }
    } catch (err) {
      if (Date.now() >= deadline) {
        const tail = options.container ? `\n--- docker logs ${options.container} ---\n${await logs(options.container)}` : "";
        throw new Error(`PostgreSQL at ${conn.host}:${conn.port} did not become ready: ${(err as Error).message}${tail}`);
      }
    }
    if (Date.now() >= deadline) throw new Error(`PostgreSQL at ${conn.host}:${conn.port} never reached in_recovery=${options.inRecovery}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface ClusterOptions {
  image: string;
  /** 0 to n standbys named replica-1.., with slots replica_1..; default 2. */
  standbys?: number;
  prefix?: string;
}

/**
 * A primary and its standbys. The replicator role and the slots are created by the providers
 * under test, exactly as the stack does before it starts the replicas.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const prefix = options.prefix ?? uniquePrefix();
  const superuserPassword = randomPassword();
  const replicatorPassword = randomPassword();
  const teardown = () => removeAllWithPrefix(prefix);
  try {
    const network = await createNetwork(`${prefix}-net`);
    const primary = await createPrimary({ image: options.image, prefix, network, superuserPassword });
    const adminOf = (node: PostgresNode): ConnectionInputs => ({
      host: node.host,
      port: node.port,
      user: SUPERUSER,
      password: superuserPassword,
      connectTimeoutSeconds: 30,
    });
    const admin = adminOf(primary);
    await waitForPostgres(admin, { container: primary.container, inRecovery: false });

    const count = options.standbys ?? 2;
    const standbys: StandbyNode[] = [];
    if (count > 0) {
      await new PostgresRoleProvider().create({
        ...admin,
        roleName: REPLICATOR,
        login: true,
        replication: true,
        passwordVerifier: verifierFor(replicatorPassword),
      });
      const names = Array.from({ length: count }, (_, i) => ({ applicationName: `replica-${i + 1}`, slotName: `replica_${i + 1}` }));
      for (const { slotName } of names) await new ReplicationSlotProvider().create({ ...admin, slotName });
      standbys.push(
        ...(await Promise.all(
          names.map((n) => createStandby({ image: options.image, prefix, network, primary, replicatorPassword, ...n })),
        )),
      );
      await Promise.all(
        standbys.map((s) => waitForPostgres(adminOf(s), { container: s.container, inRecovery: true, timeoutSeconds: 90 })),
      );
    }

    const psql = (node: PostgresNode, sql: string, database = "postgres") =>
      exec(node.container, ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-d", database, "-c", sql], { user: "postgres" });
    return { prefix, network, image: options.image, primary, standbys, superuserPassword, replicatorPassword, admin, adminOf, psql, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** Runs one query on `conn` and returns its rows. */
export async function query<T = Record<string, unknown>>(conn: ConnectionInputs, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(conn, async (client) => (await client.query(sql, params)).rows as T[]);
}
