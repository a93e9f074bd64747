/**
 * Go's time.ParseDuration, as the Docker provider applies it to healthcheck durations ("5s",
 * "1m30s", "500ms"), in nanoseconds. Unlike Go, a bad value throws instead of becoming 0: a
 * healthcheck the harness silently disabled would prove nothing.
 */
const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseGoDuration(text: string): number {
  const value = text.trim();
  if (value === "0") return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let sign = 1;
  if (value.startsWith("-") || value.startsWith("+")) {
    sign = value.startsWith("-") ? -1 : 1;
    consumed = 1;
  }
  part.lastIndex = consumed;
  let match: RegExpExecArray | null;
  while (consumed < value.length && (match = part.exec(value)) !== null) {
    total += Number(match[1]) * UNITS[match[2]];
    consumed = part.lastIndex;
  }
  if (consumed !== value.length || consumed === 0 || (sign === -1 && consumed === 1)) {
    throw new Error(`"${text}" is not a Go duration such as 5s, 1m30s or 500ms`);
  }
  return Math.round(sign * total);
}

/** Prints `fraction / 10^digits` with the trailing zeros (and a bare point) dropped, as Go's fmtFrac does. */
function withFraction(whole: number, fraction: number, digits: number): string {
  if (fraction === 0) return String(whole);
  return `${whole}.${String(fraction).padStart(digits, "0").replace(/0+$/, "")}`;
}

/**
 * Go's time.Duration.String, which the Docker provider uses to store healthcheck durations:
 * "0s", "500ms", "5s", "1m30s", "30m0s", "1h0m0s", "1.5s".
 */
export function formatGoDuration(nanos: number): string {
  if (!Number.isInteger(nanos) || nanos < 0) throw new Error(`a duration must be a whole, non-negative number of nanoseconds, got ${nanos}`);
  if (nanos === 0) return "0s";
  if (nanos < 1e3) return `${nanos}ns`;
  if (nanos < 1e6) return `${withFraction(Math.floor(nanos / 1e3), nanos % 1e3, 3)}µs`;
  if (nanos < 1e9) return `${withFraction(Math.floor(nanos / 1e6), nanos % 1e6, 6)}ms`;
  const totalSeconds = Math.floor(nanos / 1e9);
  const seconds = `${withFraction(totalSeconds % 60, nanos % 1e9, 9)}s`;
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const hours = Math.floor(totalSeconds / 3600);
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
