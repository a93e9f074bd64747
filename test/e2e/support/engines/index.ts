import { execFileSync } from "node:child_process";
import { HarnessDriver } from "./harnessDriver";
import { PulumiDriver } from "./pulumiDriver";
import type { StackDriver } from "./types";

export type { DeployResult, DeployRun, StackDriver, StateResource } from "./types";

export type EngineName = "pulumi" | "harness";

function pulumiInstalled(): boolean {
  try {
    execFileSync("pulumi", ["version"], { stdio: "pipe", timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

let chosen: EngineName | undefined;

/**
 * The engine the e2e suite deploys with: PGSTACK_E2E_ENGINE=pulumi|harness when set, otherwise the
 * real Pulumi CLI whenever one is installed, and the harness on machines without it.
 */
export function e2eEngine(): EngineName {
  if (chosen) return chosen;
  const forced = process.env.PGSTACK_E2E_ENGINE;
  if (forced !== undefined && forced !== "" && forced !== "pulumi" && forced !== "harness") {
    throw new Error(`PGSTACK_E2E_ENGINE must be "pulumi" or "harness", not "${forced}"`);
  }
  chosen = (forced as EngineName | undefined) || (pulumiInstalled() ? "pulumi" : "harness");
  if (chosen === "pulumi" && !pulumiInstalled()) throw new Error("PGSTACK_E2E_ENGINE=pulumi, but no `pulumi` CLI answers on PATH");
  return chosen;
}

export function stackDriver(stack: string, engine: EngineName = e2eEngine()): StackDriver {
  return engine === "pulumi" ? new PulumiDriver(stack) : new HarnessDriver(stack);
}
