import type { ClusterOutputs } from "../test/e2e/support/cluster";
import type { BenchStack } from "./benchStack";
import type { BenchOptions } from "./options";
import type { PgbenchClient } from "./pgbenchClient";
import type { Progress } from "./progress";
import type { Images } from "./stacks";

/** What every phase after the first deploy works with. */
export interface BenchContext {
  options: BenchOptions;
  progress: Progress;
  images: Images;
  stack: BenchStack;
  outputs: ClusterOutputs;
  client: PgbenchClient;
  /** Aborted on Ctrl-C: no new deploy starts, the one in flight is killed. */
  signal: AbortSignal;
  /** Records something that failed or could not be measured; the run goes on. */
  problem: (message: string) => void;
}

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
