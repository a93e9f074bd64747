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
