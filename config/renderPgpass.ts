/** A libpq password file (`host:port:database:user:password`), with `:` and `\` escaped. */
export function renderPgpass(entries: { host?: string; port?: number; database?: string; user: string; password: string }[]): string {
  const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
  return (
    entries
      .map((e) => [e.host ?? "*", e.port === undefined ? "*" : String(e.port), e.database ?? "*", e.user, e.password].map(esc).join(":"))
      .join("\n") + "\n"
  );
}
