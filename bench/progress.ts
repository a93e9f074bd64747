// Progress on stderr, every line stamped with the time since the benchmark started, so a reader
// sees where a 15-minute run is and how long each part took.

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${String(m).padStart(2, " ")}:${String(s).padStart(2, "0")}`;
}

export class Progress {
  readonly startedAt: number;

  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line), now = Date.now()) {
    this.startedAt = now;
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  log(message: string): void {
    this.write(`[bench ${formatElapsed(this.elapsedMs())}] ${message}\n`);
  }

  /** Runs `fn`, saying every `everyMs` that it still runs (deploys are silent for tens of seconds). */
  async during<T>(what: string, fn: () => Promise<T>, everyMs = 15_000): Promise<T> {
    const started = Date.now();
    const timer = setInterval(() => this.log(`  … ${what} (${Math.round((Date.now() - started) / 1000)} s)`), everyMs);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }
}
