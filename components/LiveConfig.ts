import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { withEnvironment } from "./containerDefaults";

export interface LiveConfigArgs {
  /** The container (its id re-applies the file after the container is replaced). */
  container: docker.Container;
  /** What says the container's process is up (its ContainerHealth): the file is applied after it. */
  ready: pulumi.Resource;
  containerName: pulumi.Input<string>;
  /** Which process re-reads the file: PostgreSQL (checked, then reloaded) or PgBouncer (SIGHUP). */
  kind: "postgres" | "pgbouncer";
  /** Absolute path of the file inside the container. */
  target: string;
  content: pulumi.Input<string>;
  /** DOCKER_HOST (and TLS) of the container's engine when it is not the environment's: a multi-host stack. */
  environment?: Record<string, string>;
}

/**
 * Writes a configuration file into a running container and makes its process re-read it: the
 * way settings that need no restart reach a running server. The rendered text is the command's
 * stdin, so `pulumi preview` shows a changed setting as a one-line diff of that text (masked when
 * the content is secret), and nothing is restarted.
 */
export function liveConfig(name: string, args: LiveConfigArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const apply = pulumi.interpolate`docker exec -i -u postgres ${args.containerName} sh /pgstack/bin/apply-live-config.sh ${args.kind} ${args.target}`;
  return new command.local.Command(
    name,
    {
      create: apply,
      update: apply,
      stdin: args.content,
      // Only on several hosts: a one-host stack's commands stay exactly what they were.
      ...withEnvironment(args.environment),
      // Runs after the container is up (a data dependency), and again when it is replaced: a new
      // container starts without PgBouncer's live files.
      triggers: [args.container.id],
    },
    { ...opts, dependsOn: [args.ready] },
  );
}
