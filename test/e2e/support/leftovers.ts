import { names as programNames } from "../../../config/topology";
import { dockerRaw } from "../../support/docker";

// What a stack left on the Docker host, found two ways: by the `pgstack.stack` label the program
// puts on everything, and by the names it gives (`<stack>-*`, network `pgstack-<stack>`), so an
// object that lost its label is found too.

export interface Leftovers {
  containers: string[];
  volumes: string[];
  networks: string[];
}

async function names(args: string[]): Promise<string[]> {
  const out = await dockerRaw(args);
  if (out.code !== 0) throw new Error(`docker ${args.join(" ")}: ${out.stderr}`);
  return out.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}

const unique = (lists: string[][]) => [...new Set(lists.flat())].sort();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const PART = "(primary|replica-\\d+|pgbouncer|backup)";

/**
 * The names the program gives (config/topology.ts `names`), exactly: a prefix match would take
 * stack `e2e-dr-pitr`'s containers for leftovers of stack `e2e-dr`.
 */
export const stackNamePatterns = (stack: string) => ({
  container: new RegExp(`^${escape(stack)}-${PART}$`),
  volume: new RegExp(`^${escape(stack)}-(${PART}-data|backups)$`),
});

export async function leftovers(stack: string): Promise<Leftovers> {
  const byLabel = `label=pgstack.stack=${stack}`;
  const ours = stackNamePatterns(stack);
  const containers = unique([
    await names(["ps", "-a", "--filter", byLabel, "--format", "{{.Names}}"]),
    (await names(["ps", "-a", "--filter", `name=${stack}-`, "--format", "{{.Names}}"])).filter((n) => ours.container.test(n)),
  ]);
  const volumes = unique([
    await names(["volume", "ls", "--filter", byLabel, "--format", "{{.Name}}"]),
    (await names(["volume", "ls", "--filter", `name=${stack}-`, "--format", "{{.Name}}"])).filter((n) => ours.volume.test(n)),
  ]);
  const networks = unique([
    await names(["network", "ls", "--filter", byLabel, "--format", "{{.Name}}"]),
    (await names(["network", "ls", "--filter", `name=${programNames.network(stack)}`, "--format", "{{.Name}}"])).filter((n) => n === programNames.network(stack)),
  ]);
  return { containers, volumes, networks };
}

/** Force-removes everything `leftovers` finds: the last resort of a test's cleanup. */
export async function removeLeftovers(stack: string): Promise<Leftovers> {
  const found = await leftovers(stack);
  if (found.containers.length > 0) await dockerRaw(["rm", "-f", "-v", ...found.containers]);
  if (found.volumes.length > 0) await dockerRaw(["volume", "rm", "-f", ...found.volumes]);
  for (const n of found.networks) await dockerRaw(["network", "rm", n]);
  return found;
}
