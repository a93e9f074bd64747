import { dockerRaw } from "../test/support/docker";

// Other work on the same Docker engine shares the CPUs with the benchmark (another engineer's e2e
// run, say). The report names what was running, so a reader knows when figures may be low or noisy.

/** Running containers that are not the benchmark's (`<stack>-…`), sorted. */
export function foreignContainers(names: readonly string[], stack: string): string[] {
  return names.map((n) => n.trim()).filter((n) => n !== "" && !n.startsWith(`${stack}-`)).sort();
}

export async function runningForeignContainers(stack: string): Promise<string[]> {
  const r = await dockerRaw(["ps", "--format", "{{.Names}}"]);
  return r.code === 0 ? foreignContainers(r.stdout.split("\n"), stack) : [];
}
