import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORTS, files, paths } from "../config/containerPaths";
import type { StackSettings } from "../config/settings";
import { canonicalCpus } from "../config/dockerCanonicalForms";
import { dockerEnvironment, type DockerEngine } from "../config/placement";
import { ContainerHealth, engineInputs } from "../providers/ContainerHealth";
import { names, type Member } from "../config/topology";
import { CONTAINER_OPTIONS, healthcheckEverySecond, LOG_OPTIONS, scriptUploads, secretUpload, stackLabels } from "./containerDefaults";
import { liveConfig } from "./LiveConfig";
import { tlsFiles } from "./TlsFiles";

/** Where a mount comes from: a Docker volume or a host directory. */
export interface MountSource {
  volumeName?: pulumi.Input<string>;
  hostPath?: string;
}

export interface PostgresMemberArgs {
  settings: StackSettings;
  member: Member;
  /**
   * How an empty data volume is filled: initdb (the first primary), a clone of `bootstrapSource`
   * (a replica), or a restore from `restoreSource` (a rebuilt primary).
   */
  bootstrap: "initdb" | "clone" | "restore";
  /** Network alias (or, on several hosts, the host address) of the member to clone from. */
  bootstrapSource?: string;
  /** Its port when it is not 5432: its published port on another Docker host. */
  bootstrapSourcePort?: number;
  /** Backup storage to restore from, mounted read-only (pgstack:restore). */
  restoreSource?: MountSource;
  /** Point in time of a restore; absent = the newest archived WAL. */
  restoreTargetTime?: string;
  image: pulumi.Input<string>;
  networkName: pulumi.Input<string>;
  /** The stack's backup storage, where the primary archives WAL. */
  backupStorage: MountSource;
  /** Settings that need a restart, as `-c name=value` arguments of the container's command. */
  restartSettingArgs: string[];
  /** postgresql.conf (which includes what the command and the live file set) and pg_hba.conf, the same for every member. */
  postgresqlConf: string;
  pgHba: string;
  /** pgstack.live.conf for this member: applied with a reload. */
  liveConf: string;
  /** The superuser's SCRAM verifier (initdb) and a libpq password file with the replicator's password. */
  superuserVerifier: pulumi.Input<string>;
  pgpass: pulumi.Input<string>;
  /** This member's TLS key, certificate and the CA (ClusterTls.bundle): written into the running container. */
  tlsBundle: pulumi.Output<string>;
  /** Resources the container must wait for (a replica: the replicator role and its slot). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The Docker engine it runs on, for the commands and checks that reach it: none = the environment's (one host). */
  engine?: DockerEngine;
  /** The address its port is published on; default pgstack:bindAddress (one host). */
  publishIp?: string;
}

/**
 * One PostgreSQL member: its data volume, its container (healthchecked, limited, stopped with a
 * fast shutdown) and its live settings. The same image, scripts and postgresql.conf serve the
 * primary and the replicas; PostgreSQL decides primary or standby from the data directory.
 */
export class PostgresMember extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** Healthy: what everything that needs this member's PostgreSQL waits for. */
  readonly health: ContainerHealth;
  readonly dataVolume: docker.Volume;
  readonly liveSettings: pulumi.Resource;
  readonly tlsFiles: pulumi.Resource;
  readonly containerName: string;

  constructor(name: string, args: PostgresMemberArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgstack:cluster:PostgresMember", name, {}, opts);
    const s = args.settings;
    const m = args.member;
    this.containerName = names.container(s.stack, m.name);

    this.dataVolume = new docker.Volume(
      `${m.name}-data`,
      { name: names.dataVolume(s.stack, m.name), labels: stackLabels(s.stack, m.name) },
      { parent: this, protect: s.protectData },
    );

    const envs = [
      `PGSTACK_MEMBER=${m.name}`,
      `PGSTACK_BOOTSTRAP=${args.bootstrap}`,
      ...(args.bootstrap === "clone" ? [`PGSTACK_BOOTSTRAP_SOURCE=${args.bootstrapSource}`, `PGSTACK_SLOT=${m.slotName}`] : []),
      ...(args.bootstrap === "clone" && args.bootstrapSourcePort !== undefined ? [`PGSTACK_BOOTSTRAP_SOURCE_PORT=${args.bootstrapSourcePort}`] : []),
      ...(args.restoreTargetTime ? [`PGSTACK_RESTORE_TARGET_TIME=${args.restoreTargetTime}`] : []),
    ];

    this.container = new docker.Container(
      m.name,
      {
        name: this.containerName,
        image: args.image,
        hostname: m.name,
        user: "root",
        entrypoints: ["/bin/sh", `${paths.bin}/entrypoint.sh`],
        command: ["postgres", ...args.restartSettingArgs],
        envs,
        labels: stackLabels(s.stack, m.name),
        networksAdvanced: [{ name: args.networkName, aliases: [m.name] }],
        ports: [{ internal: CONTAINER_PORTS.postgres, external: m.hostPort, ip: args.publishIp ?? s.bindAddress, protocol: "tcp" }],
        volumes: [
          { volumeName: this.dataVolume.name, containerPath: paths.dataMount },
          { ...args.backupStorage, containerPath: paths.backups },
          ...(args.restoreSource ? [{ ...args.restoreSource, containerPath: paths.restoreSource, readOnly: true }] : []),
        ],
        uploads: [
          ...scriptUploads([
            "entrypoint.sh",
            "postgres-member.sh",
            "apply-live-config.sh",
            "install-tls.sh",
            "archive-wal.sh",
            "restore-wal.sh",
            "restore-plan.sh",
            "restore-bootstrap.sh",
            "restore-dump.sh",
            "utc-time.sh",
          ]),
          { file: files.postgresqlConf, content: args.postgresqlConf },
          { file: files.pgHba, content: args.pgHba },
          { file: `${paths.conf}/pg_ident.conf`, content: "# pgstack uses no ident maps\n" },
          secretUpload(files.superuserVerifier, args.superuserVerifier),
          secretUpload(files.pgpassUpload, args.pgpass),
        ],
        // Healthchecks run as root: `-U postgres` failed peer authentication and logged a FATAL
        // at every probe. A role that authenticates with SCRAM makes pg_isready hang up at the
        // password request, which PostgreSQL does not log; the role need not exist. The start
        // period is the same for every member, whatever its role: crash recovery or catching up
        // after a restart can take long on any of them, and a role change must not change the container.
        healthcheck: healthcheckEverySecond(
          ["CMD-SHELL", `pg_isready -q -h ${paths.socketDir} -p ${CONTAINER_PORTS.postgres} -U pgstack_healthcheck -d postgres`],
          { timeoutSeconds: 5, unhealthyAfterSeconds: 15, startPeriodSeconds: 1800 },
        ),
        restart: "unless-stopped",
        memory: s.memoryMb,
        memorySwap: s.memoryMb,
        cpus: canonicalCpus(s.cpus),
        shmSize: Math.min(1024, Math.max(128, Math.floor(s.memoryMb / 4))),
        // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, a checkpoint is written.
        stopSignal: "SIGINT",
        stopTimeout: 60,
        destroyGraceSeconds: 90,
        logDriver: "json-file",
        logOpts: LOG_OPTIONS,
      },
      {
        parent: this,
        ...CONTAINER_OPTIONS,
        dependsOn: args.dependsOn,
        // How an empty data volume is filled (envs) matters only when the container is created:
        // once its data exists, a failover that changes the member's role or a restore setting
        // removed afterwards must not restart it. A container replaced for another reason is
        // created with the current values.
        ignoreChanges: ["envs"],
      },
    );

    // PostgreSQL starts once its TLS files are in place (the entrypoint waits for them).
    this.tlsFiles = tlsFiles(
      `${m.name}-tls-files`,
      { container: this.container, containerName: this.containerName, kind: "postgres", bundle: args.tlsBundle, environment: dockerEnvironment(args.engine ?? {}) },
      { parent: this },
    );

    // A clone or a crash recovery can take long on a large database; a member that exits, restarts
    // or turns unhealthy fails the deploy at once, with its log.
    this.health = new ContainerHealth(
      `${m.name}-healthy`,
      { containerName: this.containerName, containerId: this.container.id, timeoutSeconds: 1830, ...engineInputs(args.engine) },
      { parent: this, dependsOn: [this.tlsFiles] },
    );

    this.liveSettings = liveConfig(
      `${m.name}-live-settings`,
      { container: this.container, ready: this.health, containerName: this.containerName, kind: "postgres", target: files.postgresqlLive, content: args.liveConf, environment: dockerEnvironment(args.engine ?? {}) },
      { parent: this },
    );

    this.registerOutputs({ containerName: this.containerName, dataVolume: this.dataVolume.name });
  }
}
