import { files } from "./containerPaths";

/** A postgresql.conf value as a quoted literal (quotes doubled), valid for every setting type. */
export function quoteSetting(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function renderSettings(settings: Record<string, string>): string {
  // Sorted: a changed setting is one changed line in a diff, wherever it came from.
  return Object.keys(settings)
    .sort()
    .map((name) => `${name} = ${quoteSetting(settings[name])}`)
    .join("\n");
}

/**
 * The uploaded postgresql.conf: settings that need a restart. It includes, in this order, the
 * bootstrap file a cloned replica writes for itself and the live file `pulumi up` keeps current,
 * so live values win.
 */
export function renderPostgresqlConf(restartSettings: Record<string, string>): string {
  return [
    "# postgresql.conf rendered by pgstack. Settings here need a restart: changing one replaces the",
    "# member's container (its data volume stays). Reloadable settings live in pgstack.live.conf.",
    "",
    renderSettings(restartSettings),
    "",
    `include_if_exists = ${quoteSetting(files.postgresqlBootstrap)}`,
    `include_if_exists = ${quoteSetting(files.postgresqlLive)}`,
    "",
  ].join("\n");
}

/** pgstack.live.conf: settings PostgreSQL applies on reload, written into PGDATA by `pulumi up`. */
export function renderLiveConf(liveSettings: Record<string, string>): string {
  return [
    "# pgstack.live.conf rendered by pgstack: applied with a reload, no restart.",
    "",
    renderSettings(liveSettings),
    "",
  ].join("\n");
}
