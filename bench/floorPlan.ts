// The hand-made floor the bring-up is compared with: what an operator would type, with no
// orchestration at all. A network; a primary that runs initdb and starts PostgreSQL, listening
// for replication on the private network (trust there: it is a floor, not a cluster); two
// physical slots that reserve WAL at once; two replicas, each `pg_basebackup -R -S <slot> -X
// stream -c fast` from the primary and then PostgreSQL. Same image as the stack, plain docker CLI.
// Names start with `bench-floor-`, the port is the bench's own.

export const FLOOR_PREFIX = "bench-floor";
export const FLOOR_NETWORK = `${FLOOR_PREFIX}-net`;
export const FLOOR_PRIMARY = `${FLOOR_PREFIX}-primary`;
export const FLOOR_REPLICAS = [`${FLOOR_PREFIX}-replica-1`, `${FLOOR_PREFIX}-replica-2`];
/** The primary's published port (127.0.0.1 only), in the bench's range 29432–29560. */
export const FLOOR_PORT = 29462;

/** Where PostgreSQL's data lives in the floor's containers (the image's postgres home is writable by postgres). */
const DATA = "/var/lib/postgresql/floor";

/** The slot of the i-th replica (1-based). */
export const floorSlot = (i: number) => `floor_replica_${i}`;

export const FLOOR_POSTGRESQL_CONF = [
  "listen_addresses = '*'",
  "unix_socket_directories = '/tmp'",
  "wal_level = replica",
  "max_wal_senders = 10",
  "max_replication_slots = 10",
  "hot_standby = on",
  "",
].join("\n");

export const FLOOR_PG_HBA = ["local all all trust", "host all all 0.0.0.0/0 trust", "host replication all 0.0.0.0/0 trust", ""].join("\n");

/** A shell here-document that writes `content` (taken literally) to `file`. */
function writeFile(file: string, content: string): string {
  if (content.split("\n").includes("FLOOR_EOF")) throw new Error(`floor: ${file}'s content must not hold a line FLOOR_EOF`);
  return `cat > ${file} <<'FLOOR_EOF'\n${content.replace(/\n$/, "")}\nFLOOR_EOF`;
}

/** The primary's shell script: initdb (data checksums, as pgstack does), the two files, then PostgreSQL as PID 1. */
export function primaryScript(): string {
  return [
    "set -e",
    `initdb -D ${DATA} -U postgres --auth=trust --data-checksums >/dev/null`,
    writeFile(`${DATA}/postgresql.conf`, FLOOR_POSTGRESQL_CONF),
    writeFile(`${DATA}/pg_hba.conf`, FLOOR_PG_HBA),
    `exec postgres -D ${DATA}`,
  ].join("\n");
}

/** A replica's shell script: clone through its slot, then PostgreSQL as a standby (`-R`). */
export function replicaScript(i: number): string {
  return ["set -e", `pg_basebackup -h primary -U postgres -D ${DATA} -R -S ${floorSlot(i)} -X stream -c fast`, `exec postgres -D ${DATA}`].join("\n");
}

const LABELS = ["--label", "pgstack.bench=floor"];

export function networkArgs(): string[] {
  return ["network", "create", ...LABELS, FLOOR_NETWORK];
}

export function primaryRunArgs(image: string): string[] {
  return ["run", "-d", "--name", FLOOR_PRIMARY, ...LABELS, "--network", FLOOR_NETWORK, "--network-alias", "primary", "--user", "postgres", "-p", `127.0.0.1:${FLOOR_PORT}:5432`, image, "sh", "-c", primaryScript()];
}

/** The i-th replica (1-based). */
export function replicaRunArgs(image: string, i: number): string[] {
  return ["run", "-d", "--name", FLOOR_REPLICAS[i - 1], ...LABELS, "--network", FLOOR_NETWORK, "--user", "postgres", image, "sh", "-c", replicaScript(i)];
}

export const SLOTS_SQL = FLOOR_REPLICAS.map((_, i) => `select pg_create_physical_replication_slot('${floorSlot(i + 1)}', true)`).join("; ");

/** Each floor slot and the state of the WAL sender using it (null while none does). */
export const REPLICATION_SQL =
  "select s.slot_name, r.state from pg_replication_slots s left join pg_stat_replication r on r.pid = s.active_pid where s.slot_name like 'floor_replica_%'";

/** The slots whose WAL sender is streaming. */
export function streamingSlots(rows: readonly { slot_name: string; state: string | null }[]): string[] {
  return rows.filter((r) => r.state === "streaming").map((r) => r.slot_name).sort();
}
