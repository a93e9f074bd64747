import { existsSync } from "node:fs";
import * as path from "node:path";

/**
 * The repository's root: the directory holding Pulumi.yaml, found by walking up, so the same code
 * works from the sources and compiled into dist/.
 */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${from}`);
  }
}
