import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { clusterPostgresqlSettings, memberStandbySettings, splitByRestart } from "../config/postgresqlSettings";
import { renderBackupEnv, BACKUP_USER } from "../config/renderBackupEnv";
import { PGBOUNCER_ADMIN_USER, PGBOUNCER_STATS_USER, readOnlyDatabase, renderPgbouncerLiveIni, renderUserlist } from "../config/renderPgbouncer";
import { renderPgHba } from "../config/renderPgHba";
import { renderPgpass } from "../config/renderPgpass";
import { renderLiveConf, renderPostgresqlConf, restartSettingArgs } from "../config/renderPostgresqlConf";
import type { StackSettings } from "../config/settings";
import { clusterMembers, connectHost, endpoint, memberNames, names, roles, type Member } from "../config/topology";
import { URL_SSL_QUERY } from "../config/tls";
import { paths } from "../config/containerPaths";
import { BackupCatalog } from "../providers/BackupCatalog";
import { PostgresDatabase } from "../providers/PostgresDatabase";
import { PrimaryGuard } from "../providers/PrimaryGuard";
import { PostgresRole } from "../providers/PostgresRole";
import { ReplicationSlot } from "../providers/ReplicationSlot";
import { StreamingCheck } from "../providers/StreamingCheck";
import { BackupCron } from "./BackupCron";
import { ClusterSecrets } from "./ClusterSecrets";
import { ClusterTls } from "./ClusterTls";
import { stackLabels } from "./containerDefaults";
import { Monitoring } from "./Monitoring";
import { Pgbouncer } from "./Pgbouncer";
import { PostgresMember, type MountSource } from "./PostgresMember";
import { restoreMount, restorePlan, seedFromDump } from "./restore";

export interface PostgresClusterArgs {
  settings: StackSettings;
}

/**
 * The whole cluster: network, images, secrets, the primary, the roles and slots created on it,
 * the replicas cloned through their slots, a streaming check over all of them, PgBouncer and the
 * backup container, in that order.
 */
export class PostgresCluster extends pulumi.ComponentResource {
  readonly primaryEndpoint: pulumi.Output<string>;
  readonly replicaEndpoints: pulumi.Output<string[]>;
  readonly pgbouncerEndpoint: pulumi.Output<string>;
  readonly writeUrl: pulumi.Output<string>;
  readonly readUrl: pulumi.Output<string>;
  /** The stack's CA certificate (public): what clients verify every member and PgBouncer with. */
  readonly caCertificate: pulumi.Output<string>;
  readonly streaming: StreamingCheck;
  readonly backups: BackupCatalog;
  readonly members: PostgresMember[];
  /** Exporters and alert rules (pgstack:monitoring); undefined when monitoring is off. */
  readonly monitoring?: Monitoring;

  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgstack:index:PostgresCluster", name, {}, opts);
    const s = args.settings;
    const { primary, standbys } = roles(s);
    const host = connectHost(s.bindAddress);
    const credentials = new ClusterSecrets("secrets", { parent: this }).credentials;
    const tls = new ClusterTls("tls", { settings: s, parts: [...memberNames(s.replicas), "pgbouncer"] }, { parent: this });
    this.caCertificate = tls.caCertificate;

    const network = new docker.Network(
      "network",
      { name: names.network(s.stack), driver: "bridge", labels: stackLabels(s.stack, "network") },
      { parent: this },
    );
    // keepLocally: another stack on this host may run the same image.
    const postgresImage = new docker.RemoteImage("postgres-image", { name: s.images.postgres, keepLocally: true }, { parent: this });
    const pgbouncerImage = new docker.RemoteImage("pgbouncer-image", { name: s.images.pgbouncer, keepLocally: true }, { parent: this });
    // Backups (WAL archive, base backups, dumps) live in a volume, or in a host directory if asked.
    const backupStorage: MountSource = s.backup.hostPath
      ? { hostPath: s.backup.hostPath }
      : {
          volumeName: new docker.Volume(
            "backups",
            { name: names.backupVolume(s.stack), labels: stackLabels(s.stack, "backups") },
            { parent: this, protect: s.protectData },
          ).name,
        };

    const shared = splitByRestart(clusterPostgresqlSettings(s));
    const postgresqlConf = renderPostgresqlConf();
    const pgHba = renderPgHba({ replicationRoles: ["replicator", BACKUP_USER] });
    const replicatorPgpass = credentials.replicator.password.apply((password) => renderPgpass([{ user: "replicator", password }]));

    const member = (m: Member, bootstrap: "initdb" | "clone" | "restore", dependsOn?: pulumi.Resource[]) =>
      new PostgresMember(
        m.name,
        {
          settings: s,
          member: m,
          bootstrap,
          bootstrapSource: bootstrap === "clone" ? primary.name : undefined,
          // A logical restore needs the source in the primary too, to read the dump from.
          restoreSource: s.restore && m === primary ? restoreMount(s.restore) : undefined,
          restoreTargetTime: bootstrap === "restore" ? s.restore?.targetTime : undefined,
          image: postgresImage.imageId,
          networkName: network.name,
          backupStorage,
          restartSettingArgs: restartSettingArgs(shared.restart),
          postgresqlConf,
          pgHba,
          liveConf: renderLiveConf({ ...shared.live, ...memberStandbySettings(m, primary) }),
          superuserVerifier: credentials.superuser.verifier,
          pgpass: replicatorPgpass,
          tlsBundle: tls.bundle(m.name),
          dependsOn,
        },
        { parent: this },
      );

    // Nothing is touched while the config's primary contradicts the running cluster (a failover
    // not yet recorded in the config): the guard's check fails the preview.
    const memberEndpoints = clusterMembers(s).map((m) => ({ name: m.name, host, port: m.hostPort }));
    const guard = new PrimaryGuard(
      "primary-guard",
      {
        expectedPrimary: primary.name,
        members: memberEndpoints,
        user: "postgres",
        password: credentials.superuser.password,
        caCertificate: tls.caCertificate,
      },
      { parent: this },
    );
    // A rebuild checks its backups before the primary exists, then restores instead of initdb.
    const plan = s.restore
      ? restorePlan("restore-plan", { restore: s.restore, image: postgresImage.imageId, database: s.database }, { parent: this, dependsOn: [guard] })
      : undefined;
    const primaryMember = member(primary, s.restore && !s.restore.dump ? "restore" : "initdb", [guard, ...(plan ? [plan] : [])]);

    // Everything below talks to the primary through its published port, once it is healthy.
    // Over TLS, verified against the stack's CA (the host address is in every certificate).
    const connection = { host, port: primary.hostPort, user: "postgres", password: credentials.superuser.password, caCertificate: tls.caCertificate };
    // Once the primary is healthy; not after its live settings, which nothing here needs.
    const onPrimary = { parent: this, dependsOn: [primaryMember.health] };
    // Roles and the database live in the data directory and go with it: pgstack never drops them
    // (the app role owns the database, which is never dropped), so removing one from the stack, or
    // destroying it, only forgets it. Not `deletedWith` the primary's container: the engine then
    // re-creates them whenever that container is replaced (a restart-only setting, a failover).
    const inPrimaryData = { ...onPrimary, retainOnDelete: true };
    const role = (resourceName: string, roleName: string, extra: { replication?: boolean; inRoles?: string[] }, verifier: pulumi.Output<string>) =>
      new PostgresRole(
        resourceName,
        { ...connection, roleName, login: true, replication: extra.replication ?? false, inRoles: extra.inRoles ?? [], passwordVerifier: verifier },
        inPrimaryData,
      );
    // pgstack_rewind (made at initdb) lets a failed primary rejoin through the replicator with pg_rewind.
    const replicatorRole = role("replicator-role", "replicator", { replication: true, inRoles: ["pgstack_rewind"] }, credentials.replicator.verifier);
    const appRole = role("app-role", s.appUser, {}, credentials.app.verifier);
    const statsRole = role("stats-role", PGBOUNCER_STATS_USER, { inRoles: ["pg_monitor"] }, credentials.stats.verifier);
    // Dumps need pg_read_all_data; base backups a replication connection.
    const backupRole = role("backup-role", BACKUP_USER, { replication: true, inRoles: ["pg_read_all_data"] }, credentials.backup.verifier);
    const database = new PostgresDatabase(
      "app-database",
      { ...connection, databaseName: s.database, owner: s.appUser },
      { ...inPrimaryData, dependsOn: [primaryMember.health, appRole] },
    );

    const standbyMembers = standbys.map((m) => {
      const slot = new ReplicationSlot(`${m.name}-slot`, { ...connection, slotName: m.slotName, clusterMembers: memberEndpoints }, onPrimary);
      return member(m, "clone", [guard, replicatorRole, slot]);
    });
    this.members = [primaryMember, ...standbyMembers];

    this.streaming = new StreamingCheck(
      "streaming-check",
      {
        ...connection,
        replicas: standbys.map((m) => ({ name: m.name, host, port: m.hostPort, slotName: m.slotName })),
        trigger: s.verifyTrigger,
      },
      { parent: this, dependsOn: this.members },
    );

    const seeded = s.restore?.dump
      ? seedFromDump(
          "restore-dump",
          { restore: { ...s.restore, dump: s.restore.dump }, containerName: primaryMember.containerName, database: s.database, owner: s.appUser },
          { parent: this, dependsOn: [database, appRole] },
        )
      : undefined;

    const userlist = pulumi
      .all([credentials.app.verifier, credentials.pgbouncerAdmin.verifier, credentials.stats.verifier])
      .apply(([app, admin, stats]) => renderUserlist({ [s.appUser]: app, [PGBOUNCER_ADMIN_USER]: admin, [PGBOUNCER_STATS_USER]: stats }));
    new Pgbouncer(
      "pgbouncer",
      {
        settings: s,
        image: pgbouncerImage.imageId,
        networkName: network.name,
        liveIni: renderPgbouncerLiveIni(s, { primaryHost: primary.name, standbyHosts: standbys.map((m) => m.name) }),
        userlist,
        tlsBundle: tls.bundle("pgbouncer"),
        dependsOn: [appRole, statsRole, database, ...(seeded ? [seeded] : [])],
      },
      { parent: this },
    );

    const backup = new BackupCron(
      "backup",
      {
        settings: s,
        image: postgresImage.imageId,
        networkName: network.name,
        backupStorage,
        backupEnv: renderBackupEnv(s, clusterMembers(s).map((m) => m.name)),
        pgpass: credentials.backup.password.apply((password) => renderPgpass([{ user: BACKUP_USER, password }])),
        caCertificate: tls.caCertificate,
        dependsOn: [backupRole, database],
      },
      { parent: this },
    );
    this.backups = new BackupCatalog(
      "backup-catalog",
      { containerName: backup.containerName, manifestPath: `${paths.backups}/manifest.json`, trigger: s.verifyTrigger },
      { parent: this, dependsOn: [backup] },
    );

    this.primaryEndpoint = pulumi.output(endpoint(host, primary.hostPort));
    this.replicaEndpoints = pulumi.output(standbys.map((m) => endpoint(host, m.hostPort)));
    this.pgbouncerEndpoint = pulumi.output(endpoint(host, s.ports.pgbouncer));
    const url = (db: string) =>
      pulumi.secret(pulumi.interpolate`postgresql://${s.appUser}:${credentials.app.password}@${endpoint(host, s.ports.pgbouncer)}/${db}?${URL_SSL_QUERY}`);
    this.writeUrl = url(s.database);
    this.readUrl = url(readOnlyDatabase(s.database));

    // --- pgstack:monitoring: exporters, backup metrics and alert rules (components/Monitoring.ts) ---
    if (s.monitoring.enabled) {
      this.monitoring = new Monitoring(
        "monitoring",
        { settings: s, networkName: network.name, caCertificate: tls.caCertificate, statsPassword: credentials.stats.password, primaryHealth: primaryMember.health, primaryContainerName: primaryMember.containerName },
        { parent: this },
      );
    }
    // --- end of monitoring ---

    this.registerOutputs({
      primaryEndpoint: this.primaryEndpoint,
      replicaEndpoints: this.replicaEndpoints,
      pgbouncerEndpoint: this.pgbouncerEndpoint,
      writeUrl: this.writeUrl,
      readUrl: this.readUrl,
      caCertificate: this.caCertificate,
    });
  }
}
