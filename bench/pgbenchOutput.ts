// Reads what pgbench 17 prints: its end-of-run summary (stdout), the reason it gave up (stderr),
// and its per-transaction log (`-l`), so figures come from pgbench's own accounting.

export interface PgbenchSummary {
  clients: number;
  threads: number;
  transactions: number;
  failedTransactions: number;
  latencyAvgMs: number;
  latencyStddevMs?: number;
  /** Time to open every client's connection before the run (`initial connection time`). */
  initialConnectionMs?: number;
  /** Mean time per connection when every transaction reconnects (`-C`). */
  averageConnectionMs?: number;
  tps: number;
  /** True with `-C`: the tps figure then includes the reconnections. */
  tpsIncludesConnections: boolean;
  /** pgbench printed "Run was aborted": the figures cover only part of the run. */
  aborted: boolean;
}

const number = (text: string, re: RegExp): number | undefined => {
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
};

/** The summary pgbench prints at the end of a run; throws when there is none (pgbench failed first). */
export function parsePgbenchSummary(stdout: string): PgbenchSummary {
  const tpsMatch = /^tps = ([\d.]+) \((without initial connection time|including reconnection times)\)/m.exec(stdout);
  const transactions = number(stdout, /^number of transactions actually processed: (\d+)/m);
  const latency = number(stdout, /^latency average = ([\d.]+) ms/m);
  if (!tpsMatch || transactions === undefined || latency === undefined) {
    throw new Error(`no pgbench summary in its output: ${stdout.trim().split("\n").slice(-3).join(" | ") || "(empty)"}`);
  }
  return {
    clients: number(stdout, /^number of clients: (\d+)/m) ?? NaN,
    threads: number(stdout, /^number of threads: (\d+)/m) ?? NaN,
    transactions,
    failedTransactions: number(stdout, /^number of failed transactions: (\d+)/m) ?? 0,
    latencyAvgMs: latency,
    latencyStddevMs: number(stdout, /^latency stddev = ([\d.]+) ms/m),
    initialConnectionMs: number(stdout, /^initial connection time = ([\d.]+) ms/m),
    averageConnectionMs: number(stdout, /^average connection time = ([\d.]+) ms/m),
    tps: Number(tpsMatch[1]),
    tpsIncludesConnections: tpsMatch[2] === "including reconnection times",
    aborted: /Run was aborted/.test(stdout),
  };
}

/**
 * Why pgbench stopped, in one line: the server's FATAL message when there is one ("sorry, too
 * many clients already"), otherwise pgbench's own last error; undefined when it reported none.
 */
export function pgbenchFailure(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const fatal = lines.find((l) => /FATAL:\s+/.test(l));
  if (fatal) return fatal.replace(/^.*FATAL:\s+/, "").trim();
  const errors = lines.filter((l) => l.startsWith("pgbench: error:"));
  if (errors.length > 0) return errors[errors.length - 1].replace(/^pgbench: error:\s*/, "");
  const aborted = lines.find((l) => /aborted/i.test(l));
  return aborted;
}

/**
 * Latencies in milliseconds from pgbench's per-transaction log: lines of
 * `client_id transaction_no time script_no time_epoch time_us [...]` where `time` is the
 * transaction's latency in microseconds. Failed and skipped transactions carry a word there and
 * are left out.
 */
export function parseTransactionLog(text: string): number[] {
  const latencies: number[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || !/^\d+$/.test(fields[2])) continue;
    latencies.push(Number(fields[2]) / 1000);
  }
  return latencies;
}
