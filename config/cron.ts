/**
 * A five-field cron expression (minute hour day-of-month month day-of-week), expanded into the sets
 * of values it matches. The backup container's scheduler only tests membership, so every rule of
 * cron's syntax lives here, in one tested place, not in shell.
 */
export interface CronSchedule {
  expression: string;
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday (7 is accepted as Sunday). */
  daysOfWeek: number[];
  /** Cron's quirk: when both day fields are restricted, a day matches if either matches. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: string[];
  namesStartAt?: number;
}

const FIELDS: FieldSpec[] = [
  { label: "minute", min: 0, max: 59 },
  { label: "hour", min: 0, max: 23 },
  { label: "day of month", min: 1, max: 31 },
  { label: "month", min: 1, max: 12, names: MONTH_NAMES, namesStartAt: 1 },
  { label: "day of week", min: 0, max: 7, names: DAY_NAMES, namesStartAt: 0 },
];

function parseValue(token: string, spec: FieldSpec): number {
  const lower = token.toLowerCase();
  if (spec.names) {
    const i = spec.names.indexOf(lower);
    if (i >= 0) return i + (spec.namesStartAt ?? 0);
  }
  if (!/^\d+$/.test(token)) {
    throw new Error(`"${token}" is not a number${spec.names ? " or a name" : ""} in the ${spec.label} field`);
  }
  const n = Number(token);
  if (n < spec.min || n > spec.max) {
    throw new Error(`${n} is outside ${spec.min}-${spec.max} in the ${spec.label} field`);
  }
  return n;
}

function parseField(field: string, spec: FieldSpec): { values: number[]; restricted: boolean } {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText, extra] = part.split("/");
    if (extra !== undefined || range === "") throw new Error(`"${part}" is not valid in the ${spec.label} field`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new Error(`step "${stepText}" must be a positive integer in the ${spec.label} field`);
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === "*") {
      from = spec.min;
      to = spec.max === 7 ? 6 : spec.max;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      from = parseValue(a, spec);
      to = parseValue(b, spec);
      if (from > to) throw new Error(`range "${range}" runs backwards in the ${spec.label} field`);
    } else {
      from = parseValue(range, spec);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(spec.max === 7 && v === 7 ? 0 : v);
  }
  return { values: [...values].sort((x, y) => x - y), restricted: field !== "*" };
}

/** Parses `expression`; throws an Error whose message says what is wrong with it. */
export function parseCron(expression: string): CronSchedule {
  const trimmed = expression.trim();
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5) {
    throw new Error(
      `expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, got ${fields.length}`,
    );
  }
  const parsed = fields.map((f, i) => parseField(f, FIELDS[i]));
  return {
    expression: trimmed,
    minutes: parsed[0].values,
    hours: parsed[1].values,
    daysOfMonth: parsed[2].values,
    months: parsed[3].values,
    daysOfWeek: parsed[4].values,
    dayOfMonthRestricted: parsed[2].restricted,
    dayOfWeekRestricted: parsed[4].restricted,
  };
}

/** True when `schedule` fires at `date` (evaluated in UTC, as the backup container runs). */
export function cronMatches(schedule: CronSchedule, date: Date): boolean {
  const dom = schedule.daysOfMonth.includes(date.getUTCDate());
  const dow = schedule.daysOfWeek.includes(date.getUTCDay());
  let dayMatches: boolean;
  if (schedule.dayOfMonthRestricted && schedule.dayOfWeekRestricted) dayMatches = dom || dow;
  else if (schedule.dayOfMonthRestricted) dayMatches = dom;
  else if (schedule.dayOfWeekRestricted) dayMatches = dow;
  else dayMatches = true;
  return (
    dayMatches &&
    schedule.minutes.includes(date.getUTCMinutes()) &&
    schedule.hours.includes(date.getUTCHours()) &&
    schedule.months.includes(date.getUTCMonth() + 1)
  );
}
