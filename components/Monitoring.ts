import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_PORTS, files, paths } from "../config/containerPaths";
import {
  alertRulesPath,
  backupMetricsSql,
  EXPORTER_CONFIG,
  EXPORTER_QUERIES,
  exporterPart,
  PGBOUNCER_EXPORTER_PART,
  renderExporterQueries,
  scrapeConfigPath,
} from "../config/monitoring";
import { EXPORTER_PORTS, postgresExporterPort } from "../config/portPlan";
import { renderAlertRules } from "../config/renderAlertRules";
import { PGBOUNCER_STATS_USER } from "../config/renderPgbouncer";
import { renderPgpass } from "../config/renderPgpass";
import { renderScrapeConfig, scrapeTargets } from "../config/renderScrapeConfig";
import type { StackSettings } from "../config/settings";
import { memberNames, names } from "../config/topology";
import { ContainerHealth } from "../providers/ContainerHealth";
import { CONTAINER_OPTIONS, healthcheckEverySecond, LOG_OPTIONS, scriptUploads, secretUpload, stackLabels } from "./containerDefaults";

export interface MonitoringArgs {
  settings: StackSettings;
  networkName: pulumi.Input<string>;
  /** pgstack_stats' password (secret): the exporters log in with it from a password file. */
  statsPassword: pulumi.Input<string>;
  /** The cluster CA (public): the exporters verify the members and PgBouncer with it. */
  caCertificate: pulumi.Input<string>;
  /** The primary's container and its health: the backup metrics function is created there (and replicates). */
  primaryHealth: pulumi.Resource;
  primaryContainerName: string;
  /** Resources the exporters start after (the members, so their first scrapes find PostgreSQL). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Directory a relative rules path is resolved against; default the program's working directory. */
  projectDir?: string;
}

/** What the stack exports about its monitoring. */
export interface MonitoringSummary {
  alertRulesFile: string;
  scrapeConfigFile: string;
  /** host:port of each exporter: `primary`, `replica-1`, …, `pgbouncer`. */
  targets: Record<string, string>;
}

/**
 * Metrics for the stack: a postgres_exporter per PostgreSQL member (whatever its role, so a
 * failover changes nothing here) and a pgbouncer_exporter, each a container of the stack on its
 * own host port, logging in as pgstack_stats from a password file; the function through which the
 * primary's exporter reports backups; and the alert rules and scrape config, written to files.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly exporters: docker.Container[];
  readonly summary: pulumi.Output<MonitoringSummary>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgstack:cluster:Monitoring", name, {}, opts);
    const s = args.settings;
    const pgpass = pulumi.output(args.statsPassword).apply((password) => renderPgpass([{ user: PGBOUNCER_STATS_USER, password }]));
    const postgresImage = new docker.RemoteImage("postgres-exporter-image", { name: s.images.postgresExporter, keepLocally: true }, { parent: this });
    const pgbouncerImage = new docker.RemoteImage("pgbouncer-exporter-image", { name: s.images.pgbouncerExporter, keepLocally: true }, { parent: this });

    const exporter = (part: string, image: pulumi.Input<string>, internal: number, external: number, command: string[], envs: string[], extraUploads: docker.types.input.ContainerUpload[]) => {
      // The exporter listens (on IPv4 and IPv6) when its port shows LISTEN (0A) in /proc/net; no
      // curl or wget is assumed in the image.
      const portHex = internal.toString(16).toUpperCase().padStart(4, "0");
      const container = new docker.Container(
        part,
        {
          name: names.container(s.stack, part),
          image,
          hostname: part,
          user: "root",
          entrypoints: ["/bin/sh", `${paths.bin}/exporter-entrypoint.sh`],
          command,
          envs,
          labels: stackLabels(s.stack, part),
          networksAdvanced: [{ name: args.networkName, aliases: [part] }],
          ports: [{ internal, external, ip: s.bindAddress, protocol: "tcp" }],
          uploads: [
            ...scriptUploads(["exporter-entrypoint.sh"]),
            ...extraUploads,
            secretUpload(files.pgpassUpload, pgpass),
            { file: files.tlsCa, content: args.caCertificate },
          ],
          healthcheck: healthcheckEverySecond(["CMD-SHELL", `grep -qsE ':${portHex} [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6`], { timeoutSeconds: 3, unhealthyAfterSeconds: 15, startPeriodSeconds: 30 }),
          restart: "unless-stopped",
          memory: 128,
          memorySwap: 128,
          cpus: "0.5",
          stopSignal: "SIGTERM",
          stopTimeout: 10,
          logDriver: "json-file",
          logOpts: LOG_OPTIONS,
        },
        { parent: this, ...CONTAINER_OPTIONS, dependsOn: args.dependsOn },
      );
      new ContainerHealth(`${part}-healthy`, { containerName: names.container(s.stack, part), containerId: container.id, timeoutSeconds: 90 }, { parent: this });
      return container;
    };

    const listen = (port: number) => `--web.listen-address=:${port}`;
    this.exporters = memberNames(s.replicas).map((member) =>
      exporter(
        exporterPart(member),
        postgresImage.imageId,
        EXPORTER_PORTS.postgres,
        postgresExporterPort(s, member),
        ["postgres", listen(EXPORTER_PORTS.postgres), `--extend.query-path=${EXPORTER_QUERIES}`, `--config.file=${EXPORTER_CONFIG}`],
        // No password here: libpq reads it from PGPASSFILE, which the entrypoint sets.
        [`DATA_SOURCE_NAME=postgresql://${PGBOUNCER_STATS_USER}@${member}:${CONTAINER_PORTS.postgres}/postgres?sslmode=verify-full&sslrootcert=${files.tlsCa}&connect_timeout=5&application_name=pgstack-exporter`],
        [
          { file: EXPORTER_QUERIES, content: renderExporterQueries() },
          // No multi-target auth modules: each exporter scrapes its own member.
          { file: EXPORTER_CONFIG, content: "auth_modules: {}\n" },
        ],
      ),
    );
    this.exporters.push(
      exporter(
        PGBOUNCER_EXPORTER_PART,
        pgbouncerImage.imageId,
        EXPORTER_PORTS.pgbouncer,
        s.monitoring.ports.pgbouncerExporter,
        [
          "pgbouncer",
          listen(EXPORTER_PORTS.pgbouncer),
          `--pgBouncer.connectionString=postgres://${PGBOUNCER_STATS_USER}@pgbouncer:${CONTAINER_PORTS.pgbouncer}/pgbouncer?sslmode=verify-full&sslrootcert=${files.tlsCa}&connect_timeout=5`,
          // PgBouncer runs in another container: its pid file is not here.
          "--pgBouncer.pid-file=",
        ],
        [],
        [],
      ),
    );

    // The backup metrics function, created on the primary by the superuser (peer authentication
    // over the socket, no password). It lives in the database, so it replicates and outlives a
    // container; it is created again (idempotently) only when its SQL changes or the primary moves.
    const psql = `docker exec -i -u postgres ${args.primaryContainerName} psql -h ${paths.socketDir} -d postgres -XAtq -v ON_ERROR_STOP=1`;
    new command.local.Command("backup-metrics-function", { create: psql, update: psql, stdin: backupMetricsSql() }, { parent: this, dependsOn: [args.primaryHealth] });

    const rulesFile = alertRulesPath(s, args.projectDir ?? process.cwd());
    const scrapeFile = scrapeConfigPath(rulesFile);
    const write = 'mkdir -p "$(dirname "$PGSTACK_FILE")" && cat > "$PGSTACK_FILE.tmp" && mv "$PGSTACK_FILE.tmp" "$PGSTACK_FILE"';
    const fileCommand = (resource: string, file: string, content: string) =>
      new command.local.Command(
        resource,
        { create: write, update: write, delete: 'rm -f "$PGSTACK_FILE"', stdin: content, environment: { PGSTACK_FILE: file } },
        { parent: this },
      );
    const rules = fileCommand("alert-rules", rulesFile, renderAlertRules(s));
    const scrape = fileCommand("scrape-config", scrapeFile, renderScrapeConfig(s));

    const targets = Object.fromEntries(scrapeTargets(s).map((t) => [t.part, t.address]));
    this.summary = pulumi.all([rules.stdout, scrape.stdout]).apply(() => ({ alertRulesFile: rulesFile, scrapeConfigFile: scrapeFile, targets }));
    this.registerOutputs({ summary: this.summary });
  }
}
