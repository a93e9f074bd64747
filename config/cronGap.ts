import { parseCron, type CronSchedule } from "./cron";

/**
 * The longest time a cron schedule (UTC) leaves between two of its runs, in seconds: how old the
 * newest backup of a schedule may be before a run is missing. Measured over 28 years from
 * 2000-01-01 (weekdays and leap years repeat on that cycle), day by day: within a day the runs are
 * the same minutes every time, so only the days a schedule fires on need visiting.
 * Undefined when the schedule fires fewer than twice in that span (such as February 30th).
 */
export function longestGapSeconds(expression: string): number | undefined {
  const cron = parseCron(expression);
  const minutesOfDay = cron.hours.flatMap((h) => cron.minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  if (minutesOfDay.length === 0) return undefined;
  let longestInDay = 0;
  for (let i = 1; i < minutesOfDay.length; i++) longestInDay = Math.max(longestInDay, minutesOfDay[i] - minutesOfDay[i - 1]);

  const dayMs = 86_400_000;
  const start = Date.UTC(2000, 0, 1);
  const days = Math.round((Date.UTC(2028, 0, 1) - start) / dayMs);
  let previousDayLast: number | undefined; // minutes since `start` of the last run on the previous firing day
  let longest = 0;
  let firingDays = 0;
  for (let d = 0; d < days; d++) {
    if (!firesOn(cron, new Date(start + d * dayMs))) continue;
    firingDays++;
    const first = d * 1440 + minutesOfDay[0];
    if (previousDayLast !== undefined) longest = Math.max(longest, first - previousDayLast);
    previousDayLast = d * 1440 + minutesOfDay[minutesOfDay.length - 1];
  }
  if (firingDays === 0 || (firingDays === 1 && minutesOfDay.length === 1)) return undefined;
  return Math.max(longest, longestInDay) * 60;
}

function firesOn(cron: CronSchedule, day: Date): boolean {
  if (!cron.months.includes(day.getUTCMonth() + 1)) return false;
  const dom = cron.daysOfMonth.includes(day.getUTCDate());
  const dow = cron.daysOfWeek.includes(day.getUTCDay());
  // cron: with both day fields restricted, a day matches if either matches.
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return dom || dow;
  if (cron.dayOfMonthRestricted) return dom;
  if (cron.dayOfWeekRestricted) return dow;
  return true;
}

/** "1d 1h", "26h", "30m": a duration as people read it, for messages and alert descriptions. */
export function humanDuration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? ` ${s % 60}s` : ""}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? ` ${m % 60}m` : ""}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? ` ${h % 24}h` : ""}`;
}
