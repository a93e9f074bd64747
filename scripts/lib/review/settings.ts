// Reading the settings pgstack renders out of a plan: pgstack.live.conf (a member's live-settings
// stdin), the `-c name=value` arguments of a member container's command, PgBouncer's live ini.

export type Settings = Record<string, string>;

/** One setting that differs; `from`/`to` undefined when it is added or removed. */
export interface SettingChange {
  name: string;
  from?: string;
  to?: string;
}

/** `name = 'value'` lines of a postgresql.conf-style file (quotes doubled inside values). */
export function parseConfFile(text: string): Settings {
  const settings: Settings = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z_][\w.]*)\s*=?\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    if (value.startsWith("'")) {
      const end = closingQuote(value);
      value = value.slice(1, end).replace(/''/g, "'");
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    settings[m[1]] = value;
  }
  return settings;
}

function closingQuote(value: string): number {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === "'") {
      if (value[i + 1] === "'") i++;
      else return i;
    }
  }
  return value.length;
}

/**
 * Settings passed on a container's command as `-c name=value` (or `-cname=value`, `--name=value`),
 * the way pgstack passes settings that need a restart. Other arguments are ignored.
 */
export function parseCommandSettings(command: unknown): Settings {
  const settings: Settings = {};
  if (!Array.isArray(command)) return settings;
  const args = command.map(String);
  for (let i = 0; i < args.length; i++) {
    let pair: string | undefined;
    if (args[i] === "-c") pair = args[++i];
    else if (args[i].startsWith("-c")) pair = args[i].slice(2);
    else if (args[i].startsWith("--") && args[i].includes("=")) pair = args[i].slice(2);
    if (pair === undefined) continue;
    const eq = pair.indexOf("=");
    if (eq > 0) settings[pair.slice(0, eq).replace(/-/g, "_")] = pair.slice(eq + 1);
  }
  return settings;
}

/** The command without its settings: what is left says which process runs (`postgres`). */
export function commandWithoutSettings(command: unknown): string[] {
  if (!Array.isArray(command)) return [];
  const args = command.map(String);
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-c") i++;
    else if (!args[i].startsWith("-c") && !(args[i].startsWith("--") && args[i].includes("="))) rest.push(args[i]);
  }
  return rest;
}

export function diffSettings(before: Settings, after: Settings): SettingChange[] {
  const names = Array.from(new Set([...Object.keys(before), ...Object.keys(after)])).sort();
  return names
    .filter((name) => before[name] !== after[name])
    .map((name) => ({ name, from: before[name], to: after[name] }));
}

/** PgBouncer's live ini: top-level settings and the [databases] section. */
export interface PgbouncerIni {
  settings: Settings;
  databases: Settings;
}

export function parsePgbouncerIni(text: string): PgbouncerIni {
  const ini: PgbouncerIni = { settings: {}, databases: {} };
  let section = "pgbouncer";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1].trim().toLowerCase();
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (section === "databases") ini.databases[key] = value;
    else if (section === "pgbouncer") ini.settings[key] = value;
  }
  return ini;
}

/** `host=a,b port=5432 dbname=app` → its fields. */
export function parseConnString(text: string): Settings {
  const fields: Settings = {};
  for (const m of text.matchAll(/(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/g)) {
    fields[m[1]] = m[2].replace(/^'(.*)'$/, "$1");
  }
  return fields;
}

/** k of `ANY k (...)` / `FIRST k (...)` / `k (...)` in synchronous_standby_names; 0 when empty. */
export function synchronousCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return 0;
  const m = /^(?:(?:ANY|FIRST)\s+)?(\d+)\s*\(/i.exec(v);
  if (m) return Number(m[1]);
  return 1; // a plain list: the first listed is synchronous
}

/** Seconds of a Go-style duration ("1m30s", "90s", "1h0m0s", "500ms"); undefined when not one. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(value)) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
