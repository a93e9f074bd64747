import { describe, expect, it } from "vitest";
import { containerTimes, healthcheckCommand, healthchecks, parseTimestampedLogs } from "../../../bench/containerMoments";
import { eventArgs, parseDockerEvent, type DockerEvent } from "../../../bench/dockerEvents";

// Shapes copied from a real deploy of the production shape on Docker 20.10 (ids shortened).
const PG_ISREADY = ["CMD-SHELL", "pg_isready -q -h /var/run/postgresql -p 5432 -U pgstack_healthcheck -d postgres"];
const rawEvent = (action: string, timeNano: string, attributes: Record<string, string> = {}) =>
  JSON.stringify({
    status: action,
    id: "96db3fb2a082",
    Type: "container",
    Action: action,
    Actor: { ID: "96db3fb2a082", Attributes: { image: "sha256:596a", name: "bench-primary", "pgstack.part": "primary", "pgstack.stack": "bench", ...attributes } },
    scope: "local",
    time: Number(timeNano.slice(0, -9)),
    timeNano: 0,
  }).replace('"timeNano":0', `"timeNano":${timeNano}`);

const T0 = 1_796_166_065_000; // the deploy's start, epoch ms
/** Epoch nanoseconds as Docker writes them: an integer beyond a double's exact range. */
const ns = (msAfterT0: number, micros = "000") => `${T0 + msAfterT0}${micros}000`;
const exec = `exec_create: /bin/sh -c ${PG_ISREADY[1]}`;

const eventLines = [
  rawEvent("create", ns(849, "600")),
  rawEvent("start", ns(1_197)),
  rawEvent(exec, ns(2_000), { execID: "aa" }),
  rawEvent("exec_die", ns(2_050), { execID: "aa", exitCode: "2" }),
  rawEvent("exec_create: sh /pgstack/bin/apply-live-config.sh postgres /var/lib/postgresql/data/pgdata", ns(2_500), { execID: "cc" }),
  rawEvent("exec_die", ns(2_600), { execID: "cc", exitCode: "0" }),
  rawEvent(exec, ns(6_198), { execID: "bb" }),
  rawEvent("exec_die", ns(6_238), { execID: "bb", exitCode: "0" }),
  rawEvent("health_status: healthy", ns(6_240)),
];
const events = eventLines.map(parseDockerEvent).filter((e): e is DockerEvent => e !== undefined);

const iso = (msAfterT0: number) => new Date(T0 + msAfterT0).toISOString().replace("Z", "123456Z");
const logs = [
  `${iso(1_195)} pgstack[primary]: empty data directory: initdb (SCRAM, data checksums, builtin C.UTF-8 locale)`,
  `${iso(2_079)} 2026-12-01 23:01:07.079 GMT [1] LOG:  skipping missing configuration file "/var/lib/postgresql/data/pgdata/pgstack.live.conf"`,
  `${iso(2_106)} 2026-12-01 23:01:07.106 GMT [1] LOG:  starting PostgreSQL 17.12 (Debian 17.12-0+deb13u1) on x86_64-pc-linux-gnu`,
  `${iso(2_119)} 2026-12-01 23:01:07.118 GMT [1] LOG:  database system is ready to accept connections`,
  `${iso(6_504)} 2026-12-01 23:01:11.504 GMT [107] LOG:  database system is ready to accept connections`,
].join("\n");

describe("parseDockerEvent", () => {
  it("reads the container, action, time, exec id and exit code", () => {
    expect(events[0]).toMatchObject({ container: "bench-primary", action: "create" });
    expect(events[0].atMs - T0).toBeCloseTo(849.6, 2);
    expect(events[3]).toEqual({ atMs: T0 + 2_050, container: "bench-primary", action: "exec_die", execId: "aa", exitCode: 2 });
  });

  it("ignores what is not an event of a named container", () => {
    expect(parseDockerEvent("not json")).toBeUndefined();
    expect(parseDockerEvent(JSON.stringify({ Action: "start", timeNano: 1 }))).toBeUndefined();
  });

  it("listens to the stack's containers only, from the given moment, for the events the breakdown reads", () => {
    const args = eventArgs("bench", 1_796_166_065_849);
    expect(args.slice(0, 3)).toEqual(["events", "--since", "1796166065.849"]);
    expect(args).toContain("label=pgstack.stack=bench");
    for (const e of ["create", "start", "health_status", "exec_create", "exec_die"]) expect(args).toContain(`event=${e}`);
  });
});

describe("healthchecks", () => {
  it("recognizes the healthcheck's own execs by their command, not other execs", () => {
    expect(healthcheckCommand(PG_ISREADY)).toBe(`/bin/sh -c ${PG_ISREADY[1]}`);
    expect(healthcheckCommand(["CMD", "pg_isready", "-q"])).toBe("pg_isready -q");
    expect(healthcheckCommand(["NONE"])).toBeUndefined();
    expect(healthchecks(events, PG_ISREADY)).toEqual([
      { startMs: T0 + 2_000, endMs: T0 + 2_050, exitCode: 2 },
      { startMs: T0 + 6_198, endMs: T0 + 6_238, exitCode: 0 },
    ]);
    expect(healthchecks(events, undefined)).toEqual([]);
  });
});

describe("containerTimes", () => {
  it("places creation, start, bootstrap, server start, ready and the first passing check from the deploy's start", () => {
    const t = containerTimes({ events, logs: parseTimestampedLogs(logs), healthcheckTest: PG_ISREADY }, T0);
    const { createdMs, ...rest } = t;
    expect(createdMs).toBeCloseTo(849.6, 2);
    expect(rest).toEqual({ startedMs: 1_197, bootstrapMs: 1_195, serverStartMs: 2_106, readyMs: 2_119, passingCheckStartMs: 6_198, firstHealthyMs: 6_240, failedChecks: 1 });
  });

  it("falls back to inspect's start time and health log when no event was seen", () => {
    const t = containerTimes(
      {
        events: [],
        logs: parseTimestampedLogs(logs),
        healthcheckTest: PG_ISREADY,
        startedAt: new Date(T0 + 1_190).toISOString(),
        healthLog: [
          { Start: new Date(T0 + 2_000).toISOString(), End: new Date(T0 + 2_040).toISOString(), ExitCode: 1 },
          { Start: new Date(T0 + 7_000).toISOString(), End: new Date(T0 + 7_030).toISOString(), ExitCode: 0 },
        ],
      },
      T0,
    );
    expect(t).toMatchObject({ startedMs: 1_190, readyMs: 2_119, passingCheckStartMs: 7_000, firstHealthyMs: 7_030, failedChecks: 1 });
    expect(t.createdMs).toBeUndefined();
  });

  it("takes PgBouncer's and the backup scheduler's own ready lines", () => {
    const bouncer = parseTimestampedLogs(`${iso(3_000)} 2026-12-01 23:01:12.603 UTC [1] LOG process up: PgBouncer 1.24.1, libevent 2.1.13-stable (epoll)`);
    expect(containerTimes({ events: [], logs: bouncer }, T0).readyMs).toBe(3_000);
    const backup = parseTimestampedLogs(`${iso(3_100)} 2026-12-01T23:01:12Z pgstack-backup: scheduler up: dumps '0 11 * * *' (kept 14 days)`);
    expect(containerTimes({ events: [], logs: backup }, T0)).toEqual({ readyMs: 3_100 });
  });
});

describe("parseTimestampedLogs", () => {
  it("reads Docker's nanosecond timestamps and skips lines without one", () => {
    expect(parseTimestampedLogs("2026-12-01T23:01:06.275607954Z hello\nno stamp\n")).toEqual([{ atMs: Date.parse("2026-12-01T23:01:06.275Z"), text: "hello" }]);
  });
});
