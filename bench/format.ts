// Number formats shared by the report, the chart and the console summary.

export function seconds(ms: number | undefined, digits = 1): string {
  return ms === undefined || Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(digits)} s`;
}

export function millis(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "–";
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function bytes(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "–";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** Thousands separated by commas: 12,345. */
export function count(n: number | undefined, digits = 0): string {
  if (n === undefined || Number.isNaN(n)) return "–";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** a / b as "×1.23"; "–" when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0 || Number.isNaN(a) || Number.isNaN(b)) return "–";
  return `×${(a / b).toFixed(2)}`;
}
