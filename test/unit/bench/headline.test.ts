import { describe, expect, it } from "vitest";
import { headline, keyMessages } from "../../../bench/headline";
import { PITR_ERROR } from "./fixtures";

describe("keyMessages", () => {
  it("keeps FATAL/ERROR messages and LOG lines reporting a failure, in order", () => {
    expect(keyMessages(PITR_ERROR)).toEqual([
      'invalid value for parameter "recovery_target_time": "2026-11-24T00:44:01.000Z"',
      'configuration file "/x/pgstack.restore.conf" contains errors',
    ]);
  });

  it("drops the dangling quote of a message cut out of a quoted log field", () => {
    expect(keyMessages('failed: FATAL:  Peer authentication failed for user "pgstack_backup""')).toEqual(['Peer authentication failed for user "pgstack_backup"']);
  });

  it("finds nothing in a plain message", () => {
    expect(keyMessages("the fresh deploy failed: port taken")).toEqual([]);
  });
});

describe("headline", () => {
  it("is the failure's first clause followed by the server's words", () => {
    expect(headline(PITR_ERROR)).toBe(
      'docker:index/container:Container "primary": container bench-pitr-primary: exited with code 1 and is being restarted (restart 1) before becoming healthy: invalid value for parameter "recovery_target_time": "2026-11-24T00:44:01.000Z"; configuration file "/x/pgstack.restore.conf" contains errors',
    );
  });

  it("cuts a psql error down to what failed and why", () => {
    expect(headline('restoring a.dump failed: psql: error: connection to server on socket "/s" failed: FATAL:  Peer authentication failed for user "x"')).toBe(
      'restoring a.dump failed: Peer authentication failed for user "x"',
    );
  });

  it("stays within the length asked for", () => {
    const h = headline("x".repeat(500), 50);
    expect(h).toHaveLength(50);
    expect(h.endsWith("…")).toBe(true);
  });
});

describe("headline of a problem naming a time", () => {
  it("keeps an ISO time in the message: only a log line's timestamp starts the dump", () => {
    expect(headline(`point-in-time restore to 2026-11-24T00:55:30Z failed: ${PITR_ERROR}`)).toMatch(
      /^point-in-time restore to 2026-11-24T00:55:30Z failed: docker:index.*before becoming healthy: invalid value for parameter "recovery_target_time"/,
    );
  });
});
