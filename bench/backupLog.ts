// The backup scripts log one line per event, to stdout and to log/backups.log:
//   2026-11-24T00:31:24Z pgstack-backup: run=20261124T003122Z kind=base status=ok bytes=5003992 duration_s=2
// Values may be double-quoted (drill results, errors). The benchmark reads its figures from them.

export interface BackupLogLine {
  at: string;
  fields: Record<string, string>;
}

export function parseBackupLogLine(line: string): BackupLogLine | undefined {
  const m = /^(\S+) pgstack-backup: (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  // A quoted value may hold quotes itself (an error message naming a socket): it ends at the quote
  // followed by the next key or the end of the line.
  const pair = /([a-z_]+)=(?:"(.*?)"(?=\s+[a-z_]+=|\s*$)|(\S*))/g;
  for (let p = pair.exec(m[2]); p; p = pair.exec(m[2])) fields[p[1]] = p[2] ?? p[3];
  return { at: m[1], fields };
}

/** Every log line of `text` whose fields include all of `match`. */
export function backupLogLines(text: string, match: Record<string, string> = {}): BackupLogLine[] {
  return text
    .split("\n")
    .map(parseBackupLogLine)
    .filter((l): l is BackupLogLine => !!l && Object.entries(match).every(([k, v]) => l.fields[k] === v));
}

/** A numeric field of a line; undefined when absent or not a number. */
export function numericField(line: BackupLogLine | undefined, key: string): number | undefined {
  const raw = line?.fields[key];
  if (raw === undefined || raw === "" || !/^-?\d+(\.\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}
