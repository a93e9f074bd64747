import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { paths } from "../config/containerPaths";
import { standaloneScript } from "../config/containerScripts";
import { withEnvironment } from "./containerDefaults";
import type { RestoreSettings } from "../config/settings";
import { shellQuote } from "../config/renderBackupEnv";
import type { MountSource } from "./PostgresMember";

/** A restore source as a mount: an absolute path is a host directory, anything else a volume. */
export function restoreMount(restore: RestoreSettings): MountSource {
  return restore.source.startsWith("/") ? { hostPath: restore.source } : { volumeName: restore.source };
}

/**
 * Checks the restore source before the new primary exists, in a throwaway container with the
 * source mounted read-only and no network: no base backup, a target before the oldest backup or
 * after the newest archived WAL, a corrupted backup or dump each stop `pulumi up` here with one
 * line saying what is wrong, before anything is created.
 */
export function restorePlan(
  name: string,
  args: { restore: RestoreSettings; image: pulumi.Input<string>; database: string; environment?: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  const r = args.restore;
  const planArgs = r.dump ? ["dump", args.database, r.dump] : ["base", ...(r.targetTime ? [r.targetTime] : [])];
  const run = pulumi.interpolate`docker run --rm -i --network none --user root -v ${shellQuote(`${r.source}:${paths.restoreSource}:ro`)} --entrypoint /bin/sh ${args.image} -s -- ${paths.restoreSource} ${planArgs.map(shellQuote).join(" ")}`;
  return new command.local.Command(name, { create: run, update: run, stdin: standaloneScript("restore-plan.sh"), ...withEnvironment(args.environment) }, opts);
}

/**
 * A logical restore: once the database and its owner exist, fills the (empty) database from the
 * chosen dump. Runs once; later deploys leave the data alone.
 */
export function seedFromDump(
  name: string,
  args: { restore: RestoreSettings & { dump: string }; containerName: string; database: string; owner: string; environment?: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  const words = [paths.restoreSource, args.restore.dump, args.database, args.owner].map(shellQuote).join(" ");
  return new command.local.Command(
    name,
    {
      create: `docker exec -u postgres ${args.containerName} sh ${paths.bin}/restore-dump.sh ${words}`,
      update: "echo 'pgstack: the database was seeded when the stack was created; nothing to do'",
      ...withEnvironment(args.environment),
    },
    opts,
  );
}
