import type { LagSample } from "./lagSampler";
import { distribution, type Distribution } from "./stats";

/** One replica's lag over a sampling window. */
export interface ReplicaLag {
  name: string;
  /** sync_state values seen (quorum, async, …). */
  syncStates: string[];
  samples: number;
  bytes?: Distribution;
  /** replay_lag; samples where PostgreSQL reported none are counted in secondsMissing. */
  seconds?: Distribution;
  secondsMissing: number;
}

export function summarizeLag(samples: readonly LagSample[]): ReplicaLag[] {
  const names = [...new Set(samples.map((s) => s.replica))].sort();
  return names.map((name) => {
    const mine = samples.filter((s) => s.replica === name);
    const seconds = mine.map((s) => s.replaySeconds).filter((v): v is number => v !== null);
    return {
      name,
      syncStates: [...new Set(mine.map((s) => s.syncState))].sort(),
      samples: mine.length,
      bytes: distribution(mine.map((s) => s.replayBytes)),
      seconds: distribution(seconds),
      secondsMissing: mine.length - seconds.length,
    };
  });
}
