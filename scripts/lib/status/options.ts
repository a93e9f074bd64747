import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../../../config/configError";
import { DEFAULTS } from "../../../config/defaults";
import { parseStackConfig } from "../../../config/parseStackConfig";
import type { StackSettings } from "../../../config/settings";
import { memberNames } from "../../../config/topology";
import type { Thresholds } from "./model";

export const USAGE = `usage: npm run status -- --stack <stack> [options]

Reads the running cluster through Docker (never Pulumi's state) and prints one screen: members,
slots, PgBouncer's pools, backups, and a verdict. Exit code: 0 healthy, 1 degraded (each reason on
its own line), 2 unreachable, 64 bad usage.

  --stack <name>               the stack (its containers carry the label pgstack.stack=<name>)
  --json                       print the status as JSON instead
  --watch                      redraw every 2 s until Ctrl-C
  --docker-host <host>         a Docker engine to look on (repeatable; default $DOCKER_HOST or the local engine)
  --config-file <file>         the stack's settings (default Pulumi.<stack>.yaml here or in the project)
  --max-lag-seconds <n>        replay lag bound (default pgstack:monitoring.maxLagSeconds, ${DEFAULTS.monitoring.maxLagSeconds})
  --max-lag-bytes <n>          replay lag bound in bytes (default pgstack:monitoring.maxLagBytes, ${DEFAULTS.monitoring.maxLagBytes})
  --max-client-wait-seconds <n>  PgBouncer wait bound (default pgstack:monitoring.maxClientWaitSeconds, ${DEFAULTS.monitoring.maxClientWaitSeconds})
  --backup-grace-minutes <n>   slack past a backup schedule's longest gap (default ${DEFAULTS.monitoring.backupGraceMinutes})
  --quiet                      no progress lines on stderr
  --help                       this text`;

export interface StatusOptions {
  stack: string;
  json: boolean;
  watch: boolean;
  quiet: boolean;
  hosts: string[];
  configFile?: string;
  overrides: Partial<Record<"maxLagSeconds" | "maxLagBytes" | "maxClientWaitSeconds" | "backupGraceMinutes", number>>;
  help: boolean;
}

export class UsageError extends Error {}

const NUMERIC_FLAGS: Record<string, keyof StatusOptions["overrides"]> = {
  "--max-lag-seconds": "maxLagSeconds",
  "--max-lag-bytes": "maxLagBytes",
  "--max-client-wait-seconds": "maxClientWaitSeconds",
  "--backup-grace-minutes": "backupGraceMinutes",
};

/** Parses the command line; throws a UsageError naming the bad argument. */
export function parseStatusArgs(argv: string[], env: Record<string, string | undefined> = {}): StatusOptions {
  const o: StatusOptions = { stack: "", json: false, watch: false, quiet: false, hosts: [], overrides: {}, help: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack") o.stack = value(i++, a);
    else if (a === "--json") o.json = true;
    else if (a === "--watch") o.watch = true;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--help" || a === "-h") o.help = true;
    else if (a === "--docker-host") o.hosts.push(value(i++, a));
    else if (a === "--config-file") o.configFile = value(i++, a);
    else if (a in NUMERIC_FLAGS) {
      const v = value(i++, a);
      if (!/^\d+$/.test(v)) throw new UsageError(`${a} must be a whole number, got ${JSON.stringify(v)}`);
      o.overrides[NUMERIC_FLAGS[a]] = Number(v);
    } else throw new UsageError(`unknown argument ${a}`);
  }
  if (!o.help && !o.stack) throw new UsageError("--stack is required (the stack whose containers to read)");
  if (o.stack && !/^[a-z0-9][a-z0-9_.-]*$/.test(o.stack)) throw new UsageError(`--stack ${JSON.stringify(o.stack)} is not a stack name`);
  if (o.hosts.length === 0 && env.DOCKER_HOST) o.hosts.push(env.DOCKER_HOST);
  return o;
}

/** The stack file's `config:` as Pulumi hands it to the program (objects as JSON text). */
export function stackFileConfig(yamlText: string, file: string): Record<string, string> {
  // js-yaml parses the stack file exactly as the e2e harness and the tests do.
  const yaml = require("js-yaml") as { load(text: string): unknown };
  const doc = (yaml.load(yamlText) ?? {}) as { config?: Record<string, unknown> };
  if (typeof doc !== "object" || Array.isArray(doc)) throw new UsageError(`${file} is not a Pulumi stack file`);
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

export interface LoadedSettings {
  settings: StackSettings;
  /** The file read, or "defaults and flags" when there is none. */
  from: string;
  /** The members the settings expect; undefined without a stack file (then: what is found). */
  expectedMembers?: string[];
}

/** The stack's settings from its stack file when there is one; the defaults otherwise. */
export function loadSettings(o: StatusOptions, searchDirs: string[]): LoadedSettings {
  const candidates = o.configFile ? [path.resolve(o.configFile)] : searchDirs.map((d) => path.join(d, `Pulumi.${o.stack}.yaml`));
  const file = candidates.find((f) => existsSync(f));
  if (o.configFile && !file) throw new UsageError(`--config-file ${o.configFile} does not exist`);
  if (!file) return { settings: parseStackConfig({}, o.stack), from: "defaults and flags (no Pulumi." + o.stack + ".yaml found)" };
  try {
    const settings = parseStackConfig(stackFileConfig(readFileSync(file, "utf8"), file), o.stack);
    return { settings, from: path.basename(file), expectedMembers: memberNames(settings.replicas) };
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

/** The bounds: the stack's settings, then the flags. */
export function thresholdsFor(settings: StackSettings, overrides: StatusOptions["overrides"]): Thresholds {
  const m = settings.monitoring;
  return {
    maxLagSeconds: overrides.maxLagSeconds ?? m.maxLagSeconds,
    maxLagBytes: overrides.maxLagBytes ?? m.maxLagBytes,
    maxClientWaitSeconds: overrides.maxClientWaitSeconds ?? m.maxClientWaitSeconds,
    backupGraceMinutes: overrides.backupGraceMinutes ?? m.backupGraceMinutes,
    dumpSchedule: settings.backup.schedule,
    baseBackupSchedule: settings.backup.baseBackupSchedule,
  };
}
