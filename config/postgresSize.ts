const FACTORS = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 } as const;

/**
 * A PostgreSQL memory/size setting ("4GB", "512MB", "1024" in the setting's unit) in bytes, the
 * way PostgreSQL reads it: units kB, MB, GB, TB are powers of 1024. -1 stays -1 (unlimited).
 */
export function postgresSizeBytes(value: string, defaultUnit: "B" | "kB" | "MB" = "MB"): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?\s*$/.exec(value);
  if (!m) throw new Error(`not a PostgreSQL size: ${JSON.stringify(value)} (use a number with B, kB, MB, GB or TB)`);
  const n = Number(m[1]);
  if (n === -1) return -1;
  const unit = (m[2] ?? defaultUnit) as keyof typeof FACTORS;
  const factor = FACTORS[unit];
  return Math.round(n * factor);
}
