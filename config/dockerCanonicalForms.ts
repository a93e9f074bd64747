// Values as the Docker provider stores them. It reads every container back after creating it and
// diffs later deploys against what it read, so an input spelled differently from that form is a
// change on every deploy: `cpus: "1"` is stored as "1.0" (and forces a replacement), a healthcheck
// of "90s" as "1m30s". Declare inputs in these forms and an unchanged stack stays unchanged.
// (kreuzwerker/terraform-provider-docker, which @pulumi/docker 5.x bridges:
// internal/provider/resource_docker_container_funcs.go, resourceDockerContainerRead.)

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * A CPU limit as the provider stores it: Docker's NanoCpus printed by the provider's
 * nanoInt64ToDecimalString (helpers.go), which writes nine decimals, keeps "1.0" for a value whose
 * nine-decimal form has exactly nine zeros, and otherwise trims trailing zeros ("1.5", "0.25", and
 * "10." for ten CPUs).
 */
export function canonicalCpus(cpus: number): string {
  if (!(cpus > 0) || !Number.isFinite(cpus)) throw new Error(`a CPU limit must be a positive number, got ${cpus}`);
  // Docker's opts.ParseCPUs: the value times 1e9, rounded to an integer number of nano CPUs.
  const nanos = BigInt(Math.round(cpus * 1e9));
  const whole = nanos / NANOS_PER_SECOND;
  const fraction = (nanos % NANOS_PER_SECOND).toString().padStart(9, "0");
  const nine = `${whole}.${fraction}`;
  if ((nine.match(/0/g) ?? []).length === 9) return `${whole}.${fraction.slice(0, 1)}`;
  return nine.replace(/0+$/, "");
}

/** A duration in whole seconds as Go's time.Duration.String prints it: "5s", "1m30s", "30m0s", "1h0m0s". */
export function canonicalDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`a duration must be a whole number of seconds, got ${seconds}`);
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
