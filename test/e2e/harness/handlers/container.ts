import { assertRunning, waitHealthy } from "../containerWait";
import { dockerApi } from "../dockerApi";
import { translateContainer } from "../dockerTranslate";
import { tarArchive } from "../tar";
import { changedInputs, PartialCreateError, type Decision, type ResourceHandler } from "./types";

/** Inputs the provider changes on a running container (`docker update`); every other change replaces it. */
const UPDATED_IN_PLACE = new Set(["restart", "maxRetryCount", "memory", "memorySwap"]);
/** Inputs that only matter to the provider itself (waiting, deleting): a change just updates the state. */
const PROVIDER_ONLY = new Set(["wait", "waitTimeout", "destroyGraceSeconds", "removeVolumes", "mustRun"]);

/** What a second deploy does to a container: keep it, update it in place, or replace it. */
export function containerDecision(oldInputs: Record<string, unknown>, inputs: Record<string, unknown>): Decision {
  const changed = changedInputs(oldInputs, inputs);
  if (changed.length === 0) return { kind: "same" };
  const forcing = changed.filter((k) => !UPDATED_IN_PLACE.has(k) && !PROVIDER_ONLY.has(k));
  return forcing.length === 0 ? { kind: "update" } : { kind: "replace", reason: `changed: ${forcing.join(", ")}` };
}

/**
 * docker:Container, as the provider does it: create, join networks, upload files, start, wait
 * until healthy. Restart policy and memory limits are updated in place; any other change
 * replaces the container, as the provider forces a new one for every other field.
 */
export const dockerContainer: ResourceHandler = {
  async create(inputs) {
    const plan = translateContainer(inputs);
    const id = await dockerApi.createContainer(plan.name, plan.create).catch((err: Error) => {
      throw new Error(`container ${plan.name}: ${err.message}`);
    });
    const created = { id, outputs: { ...inputs, name: plan.name } };
    try {
      for (const n of plan.extraNetworks) await dockerApi.connectNetwork(n.name, id, n.aliases);
      if (plan.uploads.length > 0) await dockerApi.putArchive(id, "/", tarArchive(plan.uploads));
      if (plan.start) {
        await dockerApi.startContainer(id);
        if (plan.wait.healthy) await waitHealthy(id, plan.wait.timeoutSeconds);
        else await assertRunning(id);
      }
    } catch (err) {
      throw new PartialCreateError(`container ${plan.name}: ${(err as Error).message}`, created);
    }
    return created;
  },
  async diff(old, inputs) {
    return containerDecision(old.inputs, inputs);
  },
  async update(old, inputs) {
    const plan = translateContainer(inputs);
    if (changedInputs(old.inputs, inputs).some((k) => UPDATED_IN_PLACE.has(k))) {
      const host = plan.create.HostConfig;
      await dockerApi.updateContainer(old.id ?? plan.name, { RestartPolicy: host.RestartPolicy, Memory: host.Memory, MemorySwap: host.MemorySwap });
    }
    return { ...inputs, name: plan.name };
  },
  async delete(entry) {
    const plan = translateContainer(entry.inputs);
    const id = entry.id ?? plan.name;
    if (plan.destroy.graceSeconds > 0) await dockerApi.stopContainer(id, plan.destroy.graceSeconds);
    await dockerApi.removeContainer(id, plan.destroy.removeVolumes);
  },
};
