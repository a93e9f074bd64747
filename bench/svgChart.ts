import type { PgbenchPoint } from "./pgbenchRun";
import type { Workload } from "./pgbenchArgs";

// TPS against clients, direct vs PgBouncer, one panel per workload (read-only and TPC-B differ by
// an order of magnitude, so they do not share an axis). Hand-written SVG: no dependency, readable
// in any browser and on GitHub. Clients on a log scale; a failed run is an × on the axis.

const PANEL_W = 360;
const PANEL_H = 270;
const MARGIN = { left: 64, right: 28, top: 72, bottom: 52 };
const SERIES = {
  direct: { label: "direct to the primary", color: "#1f6fb2", dash: "" },
  pgbouncer: { label: "through PgBouncer", color: "#d2582a", dash: "6 4" },
} as const;
const PANELS: { workload: Workload; title: string }[] = [
  { workload: "select-only", title: "read-only (pgbench -S)" },
  { workload: "tpcb", title: "TPC-B-like (pgbench default)" },
];

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `v` (an axis maximum people can read). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= v) return step * magnitude;
  return 10 * magnitude;
}

const fmt = (n: number) => (n >= 10_000 ? `${n / 1000}k` : String(Math.round(n * 100) / 100));
const num = (n: number) => n.toFixed(1);

function panel(points: PgbenchPoint[], workload: Workload, title: string, x0: number, clients: number[]): string {
  const mine = points.filter((p) => p.workload === workload && !p.connectPerTransaction);
  const yMax = niceMax(Math.max(0, ...mine.filter((p) => p.ok && p.tps !== undefined).map((p) => p.tps!)));
  const plotW = PANEL_W - MARGIN.left - MARGIN.right;
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left;
  const bottom = MARGIN.top + plotH;
  const logs = clients.map((c) => Math.log10(c));
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  const x = (c: number) => (hi === lo ? left + plotW / 2 : left + ((Math.log10(c) - lo) / (hi - lo)) * plotW);
  const y = (tps: number) => bottom - (tps / yMax) * plotH;

  const out: string[] = [`<g class="panel" data-workload="${workload}">`];
  out.push(`<text x="${num(left + plotW / 2)}" y="${MARGIN.top - 12}" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    out.push(`<line x1="${num(left)}" x2="${num(left + plotW)}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${num(left - 6)}" y="${num(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const c of clients) out.push(`<text x="${num(x(c))}" y="${bottom + 18}" text-anchor="middle">${c}</text>`);
  out.push(`<line x1="${num(left)}" x2="${num(left + plotW)}" y1="${bottom}" y2="${bottom}" stroke="#555"/>`);
  out.push(`<line x1="${num(left)}" x2="${num(left)}" y1="${MARGIN.top}" y2="${bottom}" stroke="#555"/>`);
  out.push(`<text x="${num(left + plotW / 2)}" y="${bottom + 38}" text-anchor="middle">clients (log scale)</text>`);
  out.push(`<text transform="translate(${num(x0 + 16)} ${num(MARGIN.top + plotH / 2)}) rotate(-90)" text-anchor="middle">transactions per second</text>`);

  for (const target of ["direct", "pgbouncer"] as const) {
    const s = SERIES[target];
    const series = mine.filter((p) => p.target === target).sort((a, b) => a.clients - b.clients);
    const ok = series.filter((p) => p.ok && p.tps !== undefined);
    if (ok.length > 1) {
      out.push(`<polyline class="series-${target}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${ok.map((p) => `${num(x(p.clients))},${num(y(p.tps!))}`).join(" ")}"/>`);
    }
    for (const p of ok) {
      out.push(`<circle class="point-${target}" cx="${num(x(p.clients))}" cy="${num(y(p.tps!))}" r="3.5" fill="${s.color}"><title>${escapeXml(`${s.label}, ${p.clients} clients: ${Math.round(p.tps!)} tps`)}</title></circle>`);
    }
    for (const p of series.filter((q) => !q.ok)) {
      const cx = x(p.clients);
      out.push(
        `<g class="failed-${target}"><path d="M${num(cx - 5)},${num(bottom - 5)} l10,10 m0,-10 l-10,10" stroke="${s.color}" stroke-width="2.5"/>` +
          `<text x="${num(cx)}" y="${num(bottom - 10)}" text-anchor="middle" fill="${s.color}" font-size="10">failed</text>` +
          `<title>${escapeXml(`${s.label}, ${p.clients} clients: failed (${p.error ?? "no result"})`)}</title></g>`,
      );
    }
  }
  out.push("</g>");
  return out.join("\n");
}

/** The whole chart: a legend and one panel per workload. */
export function renderTpsChart(points: PgbenchPoint[], caption: string): string {
  const clients = [...new Set(points.filter((p) => !p.connectPerTransaction).map((p) => p.clients))].sort((a, b) => a - b);
  const width = PANEL_W * PANELS.length;
  const height = PANEL_H + 8;
  const legend = (["direct", "pgbouncer"] as const)
    .map((t, i) => {
      const lx = 70 + i * 230;
      const s = SERIES[t];
      return `<line x1="${lx}" x2="${lx + 28}" y1="34" y2="34" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/><text x="${lx + 34}" y="38">${escapeXml(s.label)}</text>`;
    })
    .join("");
  const failedKey = `<path d="M525,29 l10,10 m0,-10 l-10,10" stroke="#555" stroke-width="2.5"/><text x="542" y="38">run failed (see the table)</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(caption)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="14" font-size="12">${escapeXml(caption)}</text>`,
    legend,
    failedKey,
    ...PANELS.map((p, i) => panel(points, p.workload, p.title, i * PANEL_W, clients.length > 0 ? clients : [1])),
    `</svg>`,
    "",
  ].join("\n");
}
