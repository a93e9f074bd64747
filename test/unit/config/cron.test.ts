import { describe, expect, it } from "vitest";
import { cronMatches, parseCron } from "../../../config/cron";

const at = (iso: string) => new Date(iso);

describe("parseCron", () => {
  it("expands lists, ranges, steps and names", () => {
    const c = parseCron("0,30 9-17/4 * jan-mar mon-fri");
    expect(c.minutes).toEqual([0, 30]);
    expect(c.hours).toEqual([9, 13, 17]);
    expect(c.daysOfMonth).toHaveLength(31);
    expect(c.months).toEqual([1, 2, 3]);
    expect(c.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(c.dayOfMonthRestricted).toBe(false);
    expect(c.dayOfWeekRestricted).toBe(true);
  });

  it("expands */n and a-b/n and n/step", () => {
    expect(parseCron("*/15 * * * *").minutes).toEqual([0, 15, 30, 45]);
    expect(parseCron("10-20/5 * * * *").minutes).toEqual([10, 15, 20]);
    expect(parseCron("50/5 * * * *").minutes).toEqual([50, 55]);
  });

  it("treats 7 as Sunday and understands macros", () => {
    expect(parseCron("0 0 * * 7").daysOfWeek).toEqual([0]);
    expect(parseCron("0 0 * * 5-7").daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron("@daily")).toMatchObject({ minutes: [0], hours: [0] });
    expect(parseCron("@hourly").hours).toHaveLength(24);
  });

  it.each([
    ["* * * *", /expected 5 fields/],
    ["60 * * * *", /outside 0-59 in the minute field/],
    ["* 24 * * *", /outside 0-23 in the hour field/],
    ["* * 0 * *", /outside 1-31 in the day of month field/],
    ["* * * 13 *", /outside 1-12 in the month field/],
    ["* * * * 8", /outside 0-7 in the day of week field/],
    ["*/0 * * * *", /step "0" must be a positive integer/],
    ["5-1 * * * *", /runs backwards/],
    ["x * * * *", /"x" is not a number in the minute field/],
    ["* * * foo *", /"foo" is not a number or a name in the month field/],
    ["1/2/3 * * * *", /not valid in the minute field/],
  ])("rejects %s", (expr, message) => {
    expect(() => parseCron(expr)).toThrow(message);
  });
});

describe("cronMatches", () => {
  it("matches the minutes it lists and no others", () => {
    const c = parseCron("*/15 3 * * *");
    expect(cronMatches(c, at("2026-11-23T03:45:00Z"))).toBe(true);
    expect(cronMatches(c, at("2026-11-23T03:46:00Z"))).toBe(false);
    expect(cronMatches(c, at("2026-11-23T04:45:00Z"))).toBe(false);
  });

  it("ORs the day fields when both are restricted, as cron does", () => {
    const c = parseCron("0 0 1 * mon");
    expect(cronMatches(c, at("2026-12-01T00:00:00Z"))).toBe(true); // a Tuesday, the 1st
    expect(cronMatches(c, at("2026-11-23T00:00:00Z"))).toBe(true); // a Monday
    expect(cronMatches(c, at("2026-11-24T00:00:00Z"))).toBe(false);
  });

  it("ANDs them when only one is restricted", () => {
    const c = parseCron("0 0 * * mon");
    expect(cronMatches(c, at("2026-12-01T00:00:00Z"))).toBe(false);
    expect(cronMatches(c, at("2026-11-30T00:00:00Z"))).toBe(true);
  });
});
