// Failures arrive as long log dumps (a harness error carries the container's last log lines).
// A report cell needs one line: what failed, and the server's own FATAL/ERROR words.

const SERVER_MESSAGE = /\b(LOG|FATAL|ERROR|PANIC):\s+(.*?)(?=\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\s+(?:LOG|FATAL|ERROR|PANIC|DETAIL|HINT):|\n|$)/g;

/** FATAL, ERROR and PANIC messages, and LOG lines that report a failure, without duplicates. */
export function keyMessages(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SERVER_MESSAGE)) {
    const severity = m[1];
    let message = m[2].trim();
    // A message cut out of a quoted field (the drill's dump="…") keeps a dangling closing quote.
    if ((message.match(/"/g) ?? []).length % 2 === 1) message = message.replace(/"$/, "");
    if (severity === "LOG" && !/invalid|could not|failed/i.test(message)) continue;
    if (message && !found.includes(message)) found.push(message);
  }
  return found;
}

const shorten = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * One line: the first line of `text` up to where the log dump starts, then the key server
 * messages. "container x: exited with code 1 …: invalid value for parameter …".
 */
export function headline(text: string, max = 320): string {
  const first = text.trim().split("\n")[0] ?? "";
  // Where the dump starts: the harness's "; last …", a PostgreSQL log line's timestamp ("2026-11-24
  // 00:44:09.797 GMT [73]", not an ISO time in the message), psql's own error, a FATAL.
  const cut = first.search(/; last |\s\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\]|psql: error:|FATAL:/);
  const prefix = (cut > 0 ? first.slice(0, cut) : first).replace(/[\s:;]+$/, "");
  const keys = keyMessages(text);
  return shorten(keys.length > 0 ? `${prefix}: ${keys.join("; ")}` : prefix, max);
}
