import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { paths } from "../config/containerPaths";
import { withEnvironment } from "./containerDefaults";

export interface TlsFilesArgs {
  /** The container (its id installs the files again after the container is replaced). */
  container: docker.Container;
  containerName: pulumi.Input<string>;
  /** Which server re-reads them on a renewal: PostgreSQL or PgBouncer (both on SIGHUP). */
  kind: "postgres" | "pgbouncer";
  /** ClusterTls.bundle(part): secret. */
  bundle: pulumi.Output<string>;
  /** DOCKER_HOST (and TLS) of the container's engine when it is not the environment's: a multi-host stack. */
  environment?: Record<string, string>;
}

/**
 * Writes a part's key, certificate and the CA into its running container (install-tls.sh) and,
 * on a renewal, makes the server reload them: a new certificate never replaces the container.
 * The bundle is the command's stdin (a secret: never on a command line, in an environment or in
 * a preview). The entrypoint waits for the files before the server's first start, so this runs
 * right after the container starts, not after it is healthy.
 */
export function tlsFiles(name: string, args: TlsFilesArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const install = pulumi.interpolate`docker exec -i -u root ${args.containerName} sh ${paths.bin}/install-tls.sh ${args.kind}`;
  return new command.local.Command(
    name,
    {
      create: install,
      update: install,
      stdin: pulumi.secret(args.bundle),
      triggers: [args.container.id],
      ...withEnvironment(args.environment),
    },
    { ...opts, additionalSecretOutputs: ["stdin"] },
  );
}
