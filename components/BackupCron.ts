import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { files, paths } from "../config/containerPaths";
import type { StackSettings } from "../config/settings";
import { names } from "../config/topology";
import type { DockerEngine } from "../config/placement";
import { ContainerHealth, engineInputs } from "../providers/ContainerHealth";
import { CONTAINER_OPTIONS, healthcheckEverySecond, LOG_OPTIONS, scriptUploads, secretUpload, stackLabels } from "./containerDefaults";
import type { MountSource } from "./PostgresMember";

export interface BackupCronArgs {
  settings: StackSettings;
  image: pulumi.Input<string>;
  networkName: pulumi.Input<string>;
  /** The backup storage: a volume or a host directory. */
  backupStorage: MountSource;
  /** backup.env: schedule, retention and where to dump from. */
  backupEnv: string;
  /** libpq password file with the backup role's password (secret). */
  pgpass: pulumi.Input<string>;
  /** The cluster CA (public), which backups verify the members with (PGSSLROOTCERT). */
  caCertificate: pulumi.Input<string>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The Docker engine it runs on, for the commands and checks that reach it: none = the environment's (one host). */
  engine?: DockerEngine;
}

/**
 * The backup container: a scheduler that, each on its own schedule, takes verified `pg_dump -Fc`
 * dumps of every database, verified base backups, and restore drills of both into scratch
 * instances, with retention, and keeps a manifest. Unhealthy when the last run of any failed.
 */
export class BackupCron extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** Healthy: what everything that needs this container waits for. */
  readonly health: ContainerHealth;
  readonly containerName: string;

  constructor(name: string, args: BackupCronArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgstack:cluster:BackupCron", name, {}, opts);
    const s = args.settings;
    this.containerName = names.container(s.stack, "backup");

    this.container = new docker.Container(
      "backup",
      {
        name: this.containerName,
        image: args.image,
        hostname: "backup",
        user: "root",
        entrypoints: ["/bin/sh", `${paths.bin}/entrypoint.sh`],
        command: ["backup"],
        labels: stackLabels(s.stack, "backup"),
        networksAdvanced: [{ name: args.networkName, aliases: ["backup"] }],
        volumes: [{ ...args.backupStorage, containerPath: paths.backups }],
        uploads: [
          ...scriptUploads([
            "entrypoint.sh",
            "backup-scheduler.sh",
            "backup-job.sh",
            "backup-dumps.sh",
            "backup-base.sh",
            "backup-drill.sh",
            "backup-manifest.sh",
            "backup-health.sh",
            "restore-wal.sh",
            "utc-time.sh",
            "job-alive.sh",
          ]),
          { file: `${paths.conf}/backup.env`, content: args.backupEnv },
          secretUpload(files.pgpassUpload, args.pgpass),
          { file: files.tlsCa, content: args.caCertificate },
        ],
        healthcheck: healthcheckEverySecond(["CMD-SHELL", `sh ${paths.bin}/backup-health.sh`], { timeoutSeconds: 5, unhealthyAfterSeconds: 30, startPeriodSeconds: 30 }),
        restart: "unless-stopped",
        // Restore drills run a scratch PostgreSQL in here.
        memory: 1024,
        // Set, not left to Docker (which derives twice the memory and the provider then reads back
        // as a change on every deploy): no swap, like the PostgreSQL members.
        memorySwap: 1024,
        stopSignal: "SIGTERM",
        stopTimeout: 30,
        logDriver: "json-file",
        logOpts: LOG_OPTIONS,
      },
      { parent: this, ...CONTAINER_OPTIONS, dependsOn: args.dependsOn },
    );
    this.health = new ContainerHealth("backup-healthy", { containerName: this.containerName, containerId: this.container.id, timeoutSeconds: 90, ...engineInputs(args.engine) }, { parent: this });

    this.registerOutputs({ containerName: this.containerName });
  }
}
