import { describeRecoveryWindow } from "../../../providers/BackupCatalog";
import { humanDuration } from "../../../config/cronGap";
import { humanBytes } from "./judge";
import type { ClusterStatus, MemberStatus } from "./model";

// The status screen, as text (colour only when asked: the CLI asks on a terminal) or JSON. Pure.

const COLOURS = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
type Colour = keyof typeof COLOURS;

/** Left-aligned columns, two spaces apart; `paint` colours a cell after measuring it. */
export function table(header: string[], rows: string[][], paint: (row: number, col: number, cell: string) => string = (_r, _c, s) => s): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[], row: number) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? paint(row, i, c) : paint(row, i, c) + " ".repeat(widths[i] - c.length)))
      .join("  ")
      .trimEnd();
  return [line(header, -1), ...rows.map((r, i) => line(r, i))].map((l) => `  ${l}`);
}

const ago = (iso: string | undefined, now: Date) => (iso ? `${humanDuration((now.getTime() - Date.parse(iso)) / 1000)} ago` : "never");
const dash = (v: string | number | undefined) => (v === undefined || v === "" ? "-" : String(v));

function lag(m: MemberStatus): string {
  if (m.role !== "replica") return "-";
  const bytes = m.lagBytes === undefined ? "?" : humanBytes(m.lagBytes);
  const seconds = m.lagSeconds === undefined ? "?" : humanDuration(m.lagSeconds);
  return `${bytes}, ${seconds}`;
}

export function renderText(s: ClusterStatus, options: { colour: boolean }): string {
  const paint = (colour: Colour, text: string) => (options.colour ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text);
  const now = new Date(s.checkedAt);
  const out: string[] = [];
  out.push(paint("bold", `pgstack status: stack ${s.stack}`) + `, ${s.checkedAt} (Docker host ${s.hosts.join(", ")}; settings from ${s.settingsFrom})`);

  out.push("", paint("bold", "MEMBERS"));
  const roleColour = (role: string): Colour => (role === "primary" || role === "replica" ? "green" : role === "fenced" ? "yellow" : "red");
  const memberRows = s.members.map((m) => [
    m.member,
    m.role,
    `${m.containerState}/${m.health}`,
    dash(m.timeline),
    dash(m.lsn),
    lag(m),
    m.role === "replica" ? `${m.walSenderState ?? "not connected"}${m.syncState ? `/${m.syncState}` : ""}` : "-",
    m.uptimeSeconds === undefined ? "-" : humanDuration(m.uptimeSeconds),
    m.pendingRestart.length > 0 ? m.pendingRestart.join(",") : "-",
  ]);
  out.push(
    ...table(["member", "role", "container", "timeline", "lsn", "lag (bytes, replay)", "walsender/sync", "uptime", "pending restart"], memberRows, (r, c, cell) =>
      r >= 0 && c === 1 ? paint(roleColour(cell), cell) : cell,
    ),
  );
  for (const m of s.members.filter((x) => x.error)) out.push(`  ${m.member}: ${m.error}`);

  out.push("", paint("bold", "SLOTS") + (s.primary ? ` (on ${s.primary})` : ""));
  if (!s.slots) out.push("  unknown: no primary to read them from");
  else if (s.slots.length === 0) out.push("  none");
  else
    out.push(
      ...table(
        ["slot", "active", "client", "retained", "max_slot_wal_keep_size", "wal_status"],
        s.slots.map((x) => [
          x.name,
          x.active ? "yes" : "no",
          dash(x.client),
          x.retainedBytes === undefined ? "-" : humanBytes(x.retainedBytes),
          x.limitBytes === undefined ? "-" : x.limitBytes < 0 ? "unlimited" : humanBytes(x.limitBytes),
          dash(x.walStatus),
        ]),
      ),
    );

  out.push("", paint("bold", "PGBOUNCER"));
  const b = s.pgbouncer;
  if (!b) out.push("  none");
  else if (!b.reachable) out.push(`  ${b.container}: ${paint("red", `not answering (${b.error ?? b.containerState})`)}`);
  else if (b.pools.length === 0) out.push("  no pools yet: no client has connected through PgBouncer since it started");
  else {
    out.push(
      ...table(
        ["database", "user", "cl_active", "cl_waiting", "sv_active", "sv_idle", "maxwait", "pool_mode"],
        b.pools.map((p) => [p.database, p.user, String(p.clActive), String(p.clWaiting), String(p.svActive), String(p.svIdle), `${p.maxwaitSeconds.toFixed(1)} s`, p.poolMode]),
      ),
    );
    for (const st of b.stats) {
      out.push(`  ${st.database}: ${st.totalQueries} queries, ${st.totalTransactions} transactions, avg query ${(st.avgQueryMicros / 1000).toFixed(2)} ms, avg wait ${(st.avgWaitMicros / 1000).toFixed(2)} ms`);
    }
  }

  out.push("", paint("bold", "BACKUPS"));
  const a = s.archiver;
  if (a) {
    const failed = a.failedCount === 0 ? "no failures" : `${a.failedCount} failure(s), last ${dash(a.lastFailedWal)} ${ago(a.lastFailedAt, now)}`;
    out.push(`  WAL archiving:  ${a.archivedCount} archived, last ${dash(a.lastArchivedWal)} ${ago(a.lastArchivedAt, now)}; ${failed}`);
  } else out.push("  WAL archiving:  unknown (no primary answers)");
  const bk = s.backups;
  if (!bk) out.push("  no backup container");
  else if (!bk.manifest) out.push(`  ${bk.container}: ${paint("red", `manifest unreadable (${bk.error ?? bk.containerState})`)}`);
  else {
    const m = bk.manifest;
    out.push(`  restore window: ${describeRecoveryWindow(m)}`);
    const run = (r: { status: string; finished: string } | null) => (r ? `last run ${r.status} ${ago(r.finished, now)}` : "no run yet");
    const dumps = m.dumps.map((d) => `${d.database} ${ago(d.newestAt, now)}`).join(", ");
    out.push(`  newest dumps:   ${dumps || "none"}; ${run(m.lastDumpRun)}`);
    const base = m.baseBackups[m.baseBackups.length - 1];
    out.push(`  base backup:    ${base ? `${base.stamp} (${ago(base.endTime, now)}), ${m.baseBackups.length} kept` : "none"}; ${run(m.lastBaseBackup)}`);
    out.push(`  restore drill:  ${m.lastDrill ? `${m.lastDrill.status} ${ago(m.lastDrill.finished, now)}` : "never run"}`);
  }
  if (s.exporters.length > 0) out.push("", paint("bold", "EXPORTERS") + `  ${s.exporters.map((e) => `${e.part} ${e.state}/${e.health}`).join(", ")}`);

  const v = s.verdict;
  const colour: Colour = v.code === 0 ? "green" : v.code === 1 ? "yellow" : "red";
  out.push("", paint(colour, paint("bold", `VERDICT: ${v.state.toUpperCase()}`)) + ` (exit ${v.code})`);
  for (const r of v.reasons) out.push(`  - ${r}`);
  return `${out.join("\n")}\n`;
}

export function renderJson(s: ClusterStatus): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}
