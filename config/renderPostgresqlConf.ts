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
 * Settings that need a restart, as arguments of the member container's command
 * (`postgres -c name=value ...`, sorted). They live in the container's definition rather than in an
 * uploaded file because uploads are masked in a preview (they carry secrets): a changed setting
 * shows as one changed argument, and, like every change of the command, replaces the container.
 * The entrypoint writes them to the file postgresql.conf includes first.
 */
export function restartSettingArgs(restartSettings: Record<string, string>): string[] {
  return Object.keys(restartSettings)
    .sort()
    .flatMap((name) => {
      const value = restartSettings[name];
      if (/[\n\r\0]/.test(value)) throw new Error(`setting ${name}: a value cannot contain a line break or NUL`);
      return ["-c", `${name}=${value}`];
    });
}

/**
 * The uploaded postgresql.conf, the same for every member: it includes, in this order, the
 * restart settings the entrypoint wrote from the container's command, the bootstrap file a cloned
 * replica writes for itself and the live file `pulumi up` keeps current, so live values win.
 */
export function renderPostgresqlConf(): string {
  return [
    "# postgresql.conf rendered by pgstack. Settings that need a restart come from the container's",
    "# command (changing one replaces the member's container; its data volume stays); reloadable",
    "# settings live in pgstack.live.conf.",
    "",
    // TLS for every TCP connection (pg_hba.conf refuses the rest). The files are written by
    // `pulumi up` and re-read on reload, so a renewed certificate needs no restart.
    "ssl = on",
    `ssl_cert_file = ${quoteSetting(files.tlsCert)}`,
    `ssl_key_file = ${quoteSetting(files.tlsKey)}`,
    `ssl_ca_file = ${quoteSetting(files.tlsCa)}`,
    "ssl_min_protocol_version = 'TLSv1.2'",
    "",
    `include = ${quoteSetting(files.postgresqlRestart)}`,
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
