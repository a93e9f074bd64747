import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORTS, files, paths } from "../config/containerPaths";
import { renderPgbouncerIni } from "../config/renderPgbouncer";
import type { StackSettings } from "../config/settings";
import { names } from "../config/topology";
import { dockerEnvironment, type DockerEngine } from "../config/placement";
import { ContainerHealth, engineInputs } from "../providers/ContainerHealth";
import { CONTAINER_OPTIONS, healthcheckEverySecond, LOG_OPTIONS, scriptUploads, stackLabels } from "./containerDefaults";
import { liveConfig } from "./LiveConfig";
import { tlsFiles } from "./TlsFiles";

export interface PgbouncerArgs {
  settings: StackSettings;
  image: pulumi.Input<string>;
  networkName: pulumi.Input<string>;
  /** pgbouncer.live.ini: pools and databases, re-read on SIGHUP. */
  liveIni: string;
  /** auth_file content: SCRAM verifiers (secret). */
  userlist: pulumi.Input<string>;
  /** PgBouncer's TLS key, certificate and the CA (ClusterTls.bundle). */
  tlsBundle: pulumi.Output<string>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The Docker engine it runs on, for the commands and checks that reach it: none = the environment's (one host). */
  engine?: DockerEngine;
  /** The address its port is published on; default pgstack:bindAddress (one host). */
  publishIp?: string;
}

/**
 * PgBouncer in front of the cluster: `<database>` pools to the primary, `<database>_ro` spreads
 * over the replicas. Pools, databases and users are live configuration: changing them reloads
 * PgBouncer without dropping client connections.
 */
export class Pgbouncer extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** Healthy: what everything that needs this container waits for. */
  readonly health: ContainerHealth;
  readonly containerName: string;
  readonly liveSettings: pulumi.Resource[];

  constructor(name: string, args: PgbouncerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgstack:cluster:Pgbouncer", name, {}, opts);
    const s = args.settings;
    this.containerName = names.container(s.stack, "pgbouncer");
    // Each client holds one descriptor, each server connection another; leave generous headroom.
    const nofile = Math.max(4096, 2 * s.pgbouncer.maxClientConn + 1024);
    // 6432 in hex, as /proc/net/tcp shows it; LISTEN is state 0A. No tool beyond sh is assumed.
    const portHex = CONTAINER_PORTS.pgbouncer.toString(16).toUpperCase().padStart(4, "0");

    this.container = new docker.Container(
      "pgbouncer",
      {
        name: this.containerName,
        image: args.image,
        hostname: "pgbouncer",
        user: "root",
        entrypoints: ["/bin/sh", `${paths.bin}/entrypoint.sh`],
        command: ["pgbouncer"],
        labels: stackLabels(s.stack, "pgbouncer"),
        networksAdvanced: [{ name: args.networkName, aliases: ["pgbouncer"] }],
        ports: [{ internal: CONTAINER_PORTS.pgbouncer, external: s.ports.pgbouncer, ip: args.publishIp ?? s.bindAddress, protocol: "tcp" }],
        uploads: [...scriptUploads(["entrypoint.sh", "apply-live-config.sh", "install-tls.sh"]), { file: files.pgbouncerIni, content: renderPgbouncerIni() }],
        healthcheck: healthcheckEverySecond(["CMD-SHELL", `grep -q ':${portHex} 00000000:0000 0A' /proc/net/tcp`], { timeoutSeconds: 3, unhealthyAfterSeconds: 15, startPeriodSeconds: 30 }),
        restart: "unless-stopped",
        memory: 256,
        // Set, not left to Docker (which derives twice the memory and the provider then reads back
        // as a change on every deploy): no swap, like the PostgreSQL members.
        memorySwap: 256,
        ulimits: [{ name: "nofile", soft: nofile, hard: nofile }],
        // SIGINT is PgBouncer's safe shutdown: it waits for running transactions to finish.
        stopSignal: "SIGINT",
        stopTimeout: 30,
        logDriver: "json-file",
        logOpts: LOG_OPTIONS,
      },
      { parent: this, ...CONTAINER_OPTIONS, dependsOn: args.dependsOn },
    );
    const tls = tlsFiles(
      "pgbouncer-tls-files",
      { container: this.container, containerName: this.containerName, kind: "pgbouncer", bundle: args.tlsBundle, environment: dockerEnvironment(args.engine ?? {}) },
      { parent: this },
    );
    this.health = new ContainerHealth(
      "pgbouncer-healthy",
      { containerName: this.containerName, containerId: this.container.id, timeoutSeconds: 60, ...engineInputs(args.engine) },
      { parent: this, dependsOn: [tls] },
    );

    this.liveSettings = [
      liveConfig(
        "pgbouncer-live-settings",
        { container: this.container, ready: this.health, containerName: this.containerName, kind: "pgbouncer", target: files.pgbouncerLive, content: args.liveIni, environment: dockerEnvironment(args.engine ?? {}) },
        { parent: this },
      ),
      liveConfig(
        "pgbouncer-userlist",
        { container: this.container, ready: this.health, containerName: this.containerName, kind: "pgbouncer", target: files.pgbouncerUserlist, content: pulumi.secret(args.userlist), environment: dockerEnvironment(args.engine ?? {}) },
        { parent: this },
      ),
    ];

    this.registerOutputs({ containerName: this.containerName });
  }
}
