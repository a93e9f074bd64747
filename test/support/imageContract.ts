// What an image must provide for pgstack's container scripts (README.md, "What an image must
// provide"). The dash tests run the scripts with a PATH holding only these utilities (and fakes of
// PostgreSQL's programs), so a script that starts to use anything else fails there.

/** Utilities besides the shell's built-ins. All are POSIX except tar and gzip. */
export const IMAGE_UTILITIES = [
  "basename", "cat", "chmod", "chown", "cksum", "cmp", "cp", "cut", "date", "dirname", "find", "grep",
  "gzip", "head", "id", "ls", "mkdir", "mv", "rm", "sed", "sleep", "sort", "sync", "tail", "tar",
  "touch", "tr", "wc",
] as const;

/** PostgreSQL 17's programs the scripts call (pg_verifybackup runs pg_waldump from its own directory). */
export const POSTGRES_PROGRAMS = [
  "postgres", "initdb", "pg_ctl", "psql", "pg_isready", "pg_basebackup", "pg_verifybackup", "pg_waldump",
  "pg_dump", "pg_dumpall", "pg_restore", "pg_archivecleanup", "pg_rewind",
] as const;

/** The entrypoint drops to the postgres user with the first of these the image has. */
export const USER_SWITCHERS = ["setpriv", "gosu", "su-exec", "su"] as const;
