import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../config/defaults";
import { derivedMemorySettings } from "../../../config/memory";
import {
  clusterPostgresqlSettings,
  memberStandbySettings,
  splitByRestart,
  synchronousStandbyNames,
} from "../../../config/postgresqlSettings";
import { requiresRestart } from "../../../config/postgresSettingContext";
import { renderBackupEnv, shellQuote } from "../../../config/renderBackupEnv";
import { renderPgbouncerIni, renderPgbouncerLiveIni, renderUserlist } from "../../../config/renderPgbouncer";
import { renderPgHba } from "../../../config/renderPgHba";
import { renderPgpass } from "../../../config/renderPgpass";
import { quoteSetting, renderLiveConf, renderPostgresqlConf, restartSettingArgs } from "../../../config/renderPostgresqlConf";
import type { StackSettings } from "../../../config/settings";
import { clusterMembers, connectHost, endpoint, roles } from "../../../config/topology";

const settings = (over: Partial<StackSettings> = {}): StackSettings => ({ ...DEFAULTS, stack: "t", ...over });

describe("derivedMemorySettings", () => {
  it("follows the usual tuning table", () => {
    expect(derivedMemorySettings(1024, 100)).toEqual({
      shared_buffers: "256MB",
      effective_cache_size: "768MB",
      maintenance_work_mem: "64MB",
      work_mem: "2621kB",
    });
  });
  it("caps maintenance_work_mem at 2GB and keeps work_mem at least 1MB", () => {
    const big = derivedMemorySettings(64 * 1024, 100);
    expect(big.maintenance_work_mem).toBe("2048MB");
    expect(big.shared_buffers).toBe("16384MB");
    expect(derivedMemorySettings(256, 1000).work_mem).toBe("1024kB");
  });
});

describe("clusterPostgresqlSettings", () => {
  it("configures streaming replication, SCRAM, bounded slots and pg_rewind", () => {
    const all = clusterPostgresqlSettings(settings({ replicas: 2 }));
    expect(all).toMatchObject({
      wal_level: "replica",
      hot_standby: "on",
      hot_standby_feedback: "on",
      wal_log_hints: "on",
      password_encryption: "scram-sha-256",
      max_wal_senders: "10",
      max_replication_slots: "10",
      max_slot_wal_keep_size: "4GB",
      hba_file: "/pgstack/conf/pg_hba.conf",
      synchronous_standby_names: "",
    });
  });

  it("archives WAL into the backup storage, at least every archiveTimeoutSeconds", () => {
    const all = clusterPostgresqlSettings(settings({ backup: { ...DEFAULTS.backup, archiveTimeoutSeconds: 30 } }));
    expect(all).toMatchObject({
      archive_mode: "on",
      archive_command: "sh /pgstack/bin/archive-wal.sh %p %f",
      archive_timeout: "30s",
      restore_command: "sh /pgstack/bin/restore-wal.sh /var/lib/pgstack/backups/wal %f %p",
    });
    const { restart, live } = splitByRestart(all);
    expect(restart.archive_mode).toBe("on");
    expect(live.archive_command).toBeDefined();
  });

  it("derives memory settings from the limit and lets the stack override them", () => {
    expect(clusterPostgresqlSettings(settings({ memoryMb: 4096 })).shared_buffers).toBe("1024MB");
    const over = clusterPostgresqlSettings(settings({ memoryMb: 4096, postgresql: { shared_buffers: "512MB", max_connections: "300" } }));
    expect(over.shared_buffers).toBe("512MB");
    expect(over.max_connections).toBe("300");
    // work_mem follows the overridden max_connections.
    expect(over.work_mem).toBe(`${Math.floor(((4096 - 1024) * 1024) / 900)}kB`);
  });

  it("renders ANY k over every member for synchronous replication", () => {
    expect(synchronousStandbyNames({ replicas: 2, syncReplicas: 1 })).toBe('ANY 1 ("primary", "replica-1", "replica-2")');
    expect(synchronousStandbyNames({ replicas: 3, syncReplicas: 2 })).toBe('ANY 2 ("primary", "replica-1", "replica-2", "replica-3")');
    expect(synchronousStandbyNames({ replicas: 2, syncReplicas: 0 })).toBe("");
  });

  it("splits settings into restart and reload by PostgreSQL's own contexts", () => {
    const { restart, live } = splitByRestart(clusterPostgresqlSettings(settings({ postgresql: { "pg_stat_statements.max": "5000", work_mem: "8MB" } })));
    expect(Object.keys(restart)).toEqual(expect.arrayContaining(["shared_buffers", "max_connections", "wal_level", "hot_standby", "pg_stat_statements.max"]));
    expect(Object.keys(live)).toEqual(expect.arrayContaining(["work_mem", "synchronous_standby_names", "max_slot_wal_keep_size", "hot_standby_feedback"]));
    for (const name of Object.keys(live)) expect(requiresRestart(name), name).toBe(false);
  });

  it("gives each standby its own application_name and slot, through the passfile", () => {
    const s = settings({ replicas: 2 });
    const { primary, standbys } = roles(s);
    const two = memberStandbySettings(standbys[1], primary);
    expect(two.primary_slot_name).toBe("replica_2");
    expect(two.primary_conninfo).toBe(
      "host=primary port=5432 user=replicator passfile=/pgstack/run/pgpass application_name=replica-2 connect_timeout=5 sslmode=verify-full sslrootcert=/pgstack/tls/ca.crt sslcertmode=disable",
    );
    expect(two.primary_conninfo).not.toMatch(/password=/);
  });
});

describe("renderPostgresqlConf / renderLiveConf", () => {
  it("quotes every value, doubling quotes", () => {
    expect(quoteSetting("it's")).toBe("'it''s'");
    expect(renderLiveConf({ application_name: "a'b" })).toContain("application_name = 'a''b'");
  });

  it("passes restart settings as sorted -c arguments, so one change is one changed argument", () => {
    const before = restartSettingArgs({ wal_level: "replica", max_connections: "100", shared_buffers: "256MB" });
    const after = restartSettingArgs({ wal_level: "replica", max_connections: "100", shared_buffers: "512MB" });
    expect(before).toEqual(["-c", "max_connections=100", "-c", "shared_buffers=256MB", "-c", "wal_level=replica"]);
    expect(after.filter((a, i) => a !== before[i])).toEqual(["shared_buffers=512MB"]);
    // Values are single arguments: spaces and quotes need no shell quoting.
    expect(restartSettingArgs({ shared_preload_libraries: "pg_stat_statements, auto_explain" })).toEqual([
      "-c",
      "shared_preload_libraries=pg_stat_statements, auto_explain",
    ]);
    expect(() => restartSettingArgs({ cluster_name: "a\nb" })).toThrow(/cluster_name/);
  });

  it("includes the restart settings first, then the bootstrap and live files, so live values win", () => {
    const body = renderPostgresqlConf().split("\n").filter((l) => l && !l.startsWith("#"));
    expect(body).toEqual([
      "ssl = on",
      "ssl_cert_file = '/pgstack/tls/server.crt'",
      "ssl_key_file = '/pgstack/tls/server.key'",
      "ssl_ca_file = '/pgstack/tls/ca.crt'",
      "ssl_min_protocol_version = 'TLSv1.2'",
      "include = '/pgstack/run/postgresql.restart.conf'",
      "include_if_exists = '/var/lib/postgresql/data/pgdata/pgstack.bootstrap.conf'",
      "include_if_exists = '/var/lib/postgresql/data/pgdata/pgstack.live.conf'",
    ]);
  });
});

describe("renderPgHba", () => {
  const hba = renderPgHba({ replicationRoles: ["replicator"] });
  const rules = hba.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/\s+/));

  it("uses SCRAM everywhere a network can reach, and never trust", () => {
    expect(hba).not.toMatch(/\btrust\b|\bmd5\b|\bpassword\b/);
    for (const r of rules.filter((r) => r[0].startsWith("host"))) expect(["scram-sha-256", "reject"]).toContain(r[r.length - 1]);
  });

  it("allows replication only for the replicator from the stack's network over TLS (or loopback), then rejects the rest", () => {
    const replication = rules.filter((r) => r[1] === "replication");
    expect(replication).toEqual([
      ["host", "replication", "replicator", "127.0.0.1/32", "scram-sha-256"],
      ["host", "replication", "replicator", "::1/128", "scram-sha-256"],
      ["hostnossl", "replication", "all", "all", "reject"],
      ["hostssl", "replication", "replicator", "samenet", "scram-sha-256"],
      ["hostssl", "replication", "all", "all", "reject"],
    ]);
  });

  it("keeps the superuser to the local socket (peer), loopback and the stack's network over TLS", () => {
    const superuser = rules.filter((r) => r[2] === "postgres");
    expect(superuser).toEqual([
      ["local", "all", "postgres", "peer"],
      ["hostssl", "all", "postgres", "samenet", "scram-sha-256"],
      ["hostssl", "all", "postgres", "all", "reject"],
    ]);
    // First match wins: the superuser's reject comes before the catch-all.
    expect(rules.findIndex((r) => r[2] === "postgres" && r[4] === "reject")).toBeLessThan(rules.findIndex((r) => r[2] === "all" && r[1] === "all" && r[0] === "hostssl"));
  });
});

describe("PgBouncer renderers", () => {
  it("keeps start-only settings in the uploaded ini and includes the live file", () => {
    const ini = renderPgbouncerIni();
    expect(ini).toContain("auth_type = scram-sha-256");
    expect(ini).toContain("auth_file = /pgstack/run/userlist.txt");
    expect(ini).toContain("admin_users = pgstack_admin");
    expect(ini).toContain("stats_users = pgstack_stats");
    expect(ini.trimEnd().split("\n").pop()).toBe("%include /pgstack/run/pgbouncer.live.ini");
    expect(ini).not.toMatch(/pool_size|\[databases\]/);
  });

  it("routes <database> to the primary and <database>_ro over the replicas", () => {
    const live = renderPgbouncerLiveIni(settings(), { primaryHost: "primary", standbyHosts: ["replica-1", "replica-2"] });
    expect(live).toContain("app = host=primary port=5432 dbname=app");
    expect(live).toContain("app_ro = host=replica-1,replica-2 port=5432 dbname=app");
    expect(live).toContain("pool_mode = transaction");
    expect(live).toContain("default_pool_size = 20");
    expect(live).toContain("max_client_conn = 1000");
  });

  it("retries a failed server login after 1 s: after a failover, clients are not held for PgBouncer's default 15 s", () => {
    const live = renderPgbouncerLiveIni(settings(), { primaryHost: "replica-1", standbyHosts: ["replica-2"] });
    expect(live).toMatch(/^server_login_retry = 1$/m);
    expect(live).toMatch(/^server_connect_timeout = 5$/m);
  });

  it("sends read-only traffic to the primary when there are no replicas", () => {
    const live = renderPgbouncerLiveIni(settings({ replicas: 0 }), { primaryHost: "primary", standbyHosts: [] });
    expect(live).toContain("app_ro = host=primary port=5432 dbname=app");
  });

  it("writes users with SCRAM verifiers, quoted, sorted", () => {
    expect(renderUserlist({ b: "SCRAM-SHA-256$4096:x$y:z", 'a"q': "v" })).toBe('"a""q" "v"\n"b" "SCRAM-SHA-256$4096:x$y:z"\n');
  });
});

describe("renderPgpass", () => {
  it("escapes the separators libpq reads", () => {
    expect(renderPgpass([{ user: "replicator", password: "a:b\\c" }])).toBe("*:*:*:replicator:a\\:b\\\\c\n");
    expect(renderPgpass([{ host: "primary", port: 5432, database: "app", user: "u", password: "p" }])).toBe("primary:5432:app:u:p\n");
  });
});

describe("renderBackupEnv", () => {
  it("expands each schedule into sets the scheduler matches against", () => {
    const env = renderBackupEnv(
      settings({ backup: { ...DEFAULTS.backup, schedule: "*/30 2,14 * * 1-5", retentionDays: 3, baseBackupSchedule: "15 1 1 * *", drillSchedule: "@weekly", baseBackupKeep: 4 } }),
      ["primary", "replica-1"],
    );
    expect(env).toContain("CRON_DUMPS_EXPR='*/30 2,14 * * 1-5'");
    expect(env).toContain("CRON_DUMPS_MINUTES=',0,30,'");
    expect(env).toContain("CRON_DUMPS_HOURS=',2,14,'");
    expect(env).toContain("CRON_DUMPS_DAYS_OF_WEEK=',1,2,3,4,5,'");
    expect(env).toContain("CRON_DUMPS_DOM_RESTRICTED='0'");
    expect(env).toContain("CRON_DUMPS_DOW_RESTRICTED='1'");
    expect(env).toContain("CRON_BASE_MINUTES=',15,'");
    expect(env).toContain("CRON_BASE_DAYS_OF_MONTH=',1,'");
    expect(env).toContain("CRON_BASE_DOM_RESTRICTED='1'");
    expect(env).toContain("CRON_DRILL_DAYS_OF_WEEK=',0,'");
    expect(env).toContain("RETENTION_DAYS='3'");
    expect(env).toContain("BASE_KEEP='4'");
    // Every member, the writable one wins: backups follow a failover without a new backup.env.
    expect(env).toContain("PGHOST='primary,replica-1'");
    expect(env).toContain("PGTARGETSESSIONATTRS='read-write'");
    expect(env).toContain("PGPASSFILE='/pgstack/run/pgpass'");
    expect(env).toMatch(/^export PGHOST PGTARGETSESSIONATTRS PGPORT PGUSER PGPASSFILE PGAPPNAME PGCONNECT_TIMEOUT PGSSLMODE PGSSLROOTCERT PGSSLCERTMODE$/m);
  });

  it("quotes for the shell", () => {
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });
});

describe("topology", () => {
  it("names members and their ports", () => {
    const members = clusterMembers({ replicas: 2, ports: { primary: 15432, replicaBase: 15433, pgbouncer: 16432 } });
    expect(members).toEqual([
      { name: "primary", hostPort: 15432, slotName: "primary" },
      { name: "replica-1", hostPort: 15433, slotName: "replica_1" },
      { name: "replica-2", hostPort: 15434, slotName: "replica_2" },
    ]);
  });

  it("follows the member that holds the primary role", () => {
    const r = roles({ replicas: 2, ports: DEFAULTS.ports, primaryMember: "replica-2" });
    expect(r.primary.name).toBe("replica-2");
    expect(r.standbys.map((m) => m.name)).toEqual(["primary", "replica-1"]);
  });

  it("connects through loopback when ports bind every interface", () => {
    expect(connectHost("0.0.0.0")).toBe("127.0.0.1");
    expect(connectHost("10.0.0.5")).toBe("10.0.0.5");
    expect(endpoint("::1", 5432)).toBe("[::1]:5432");
  });
});
