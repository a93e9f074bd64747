import { describe, expect, it } from "vitest";
import { parsePgbenchSummary, parseTransactionLog, pgbenchFailure } from "../../../bench/pgbenchOutput";

// Outputs of pgbench 17.12 captured from runs against the stack.
const SELECT_ONLY = `pgbench (17.12 (Debian 17.12-0+deb13u1))
transaction type: <builtin: select only>
scaling factor: 20
query mode: simple
number of clients: 1000
number of threads: 8
maximum number of tries: 1
duration: 8 s
number of transactions actually processed: 77043
number of failed transactions: 0 (0.000%)
latency average = 74.421 ms
initial connection time = 2404.310 ms
tps = 13437.032582 (without initial connection time)
`;

const RECONNECTING = `transaction type: <builtin: select only>
number of clients: 50
number of threads: 2
number of transactions actually processed: 1049
number of failed transactions: 0 (0.000%)
latency average = 238.416 ms
latency stddev = 12.500 ms
average connection time = 9.236 ms
tps = 209.717300 (including reconnection times)
`;

const TOO_MANY = `pgbench (17.12 (Debian 17.12-0+deb13u1))
pgbench: error: connection to server at "primary" (172.19.0.2), port 5432 failed: FATAL:  sorry, too many clients already
pgbench: error: could not create connection for client 135
`;

describe("parsePgbenchSummary", () => {
  it("reads a run's clients, transactions, latency, connection time and tps", () => {
    expect(parsePgbenchSummary(SELECT_ONLY)).toEqual({
      clients: 1000,
      threads: 8,
      transactions: 77043,
      failedTransactions: 0,
      latencyAvgMs: 74.421,
      latencyStddevMs: undefined,
      initialConnectionMs: 2404.31,
      averageConnectionMs: undefined,
      tps: 13437.032582,
      tpsIncludesConnections: false,
      aborted: false,
    });
  });

  it("knows a -C run's tps includes its reconnections", () => {
    const s = parsePgbenchSummary(RECONNECTING);
    expect(s.tpsIncludesConnections).toBe(true);
    expect(s.averageConnectionMs).toBe(9.236);
    expect(s.latencyStddevMs).toBe(12.5);
    expect(s.initialConnectionMs).toBeUndefined();
  });

  it("flags a run pgbench aborted", () => {
    expect(parsePgbenchSummary(`${SELECT_ONLY}pgbench: error: Run was aborted; the above results are incomplete.\n`).aborted).toBe(true);
  });

  it("throws when there is no summary, quoting the end of the output", () => {
    expect(() => parsePgbenchSummary("pgbench (17.12)\nstarting vacuum...end.\n")).toThrow(/no pgbench summary.*starting vacuum/);
  });
});

describe("pgbenchFailure", () => {
  it("prefers the server's FATAL message", () => {
    expect(pgbenchFailure(TOO_MANY)).toBe("sorry, too many clients already");
  });

  it("falls back to pgbench's own last error", () => {
    expect(pgbenchFailure("pgbench: error: could not connect\npgbench: error: client 3 aborted in command 4\n")).toBe("client 3 aborted in command 4");
  });

  it("is undefined when nothing went wrong", () => {
    expect(pgbenchFailure("pgbench (17.12)\n")).toBeUndefined();
  });
});

describe("parseTransactionLog", () => {
  it("reads each transaction's latency in ms and skips failed and malformed lines", () => {
    const log = ["0 1 1140 0 1732410000 123456", "0 2 2500 0 1732410000 124000", "0 3 failed 0 1732410000 125000", "garbage", ""].join("\n");
    expect(parseTransactionLog(log)).toEqual([1.14, 2.5]);
  });
});
