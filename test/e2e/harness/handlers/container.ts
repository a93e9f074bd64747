import { waitHealthy } from "../containerWait";
import { diffContainerState, stateAfterCreate, stateAfterUpdate, UPDATED_BY_DOCKER } from "../containerProviderState";
import { dockerApiAt } from "../dockerApi";
import { translateContainer } from "../dockerTranslate";
import { tarArchive } from "../tar";
import { PartialCreateError, type Decision, type ResourceHandler } from "./types";

/**
 * What a second deploy does to a container, judged as the Docker provider judges it: the new
 * inputs against the state it holds (what it read back after creating the container, in its own
 * canonical forms), not against the inputs that were sent (containerProviderState.ts).
 */
export function containerDecision(state: Record<string, unknown>, inputs: Record<string, unknown>): Decision {
  const diff = diffContainerState(state, inputs);
  if (diff.changed.length === 0) return { kind: "same" };
  if (diff.replacing.length === 0) return { kind: "update", reason: `changed: ${diff.changed.join(", ")}`, ...diff };
  // pulumi-docker makes every Container replacement delete-before-replace (provider/resources.go).
  return { kind: "replace", deleteBeforeReplace: true, reason: `changed: ${diff.replacing.join(", ")}`, ...diff };
}

/**
 * docker:Container, as the provider does it: create, join networks, upload files, start, wait
 * until healthy when asked, then read it back into the state. Restart policy and memory limits are updated
 * in place; other updatable fields only change the state; the rest replace the container.
 */
export const dockerContainer: ResourceHandler = {
  async create(inputs, _urn, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    const plan = translateContainer(inputs);
    const id = await dockerApi.createContainer(plan.name, plan.create).catch((err: Error) => {
      throw new Error(`container ${plan.name}: ${err.message}`);
    });
    try {
      for (const n of plan.extraNetworks) await dockerApi.connectNetwork(n.name, id, n.aliases);
      if (plan.uploads.length > 0) await dockerApi.putArchive(id, "/", tarArchive(plan.uploads));
      if (plan.start) {
        await dockerApi.startContainer(id);
        if (plan.wait.healthy) await waitHealthy(id, plan.wait.timeoutSeconds, dockerApi);
      }
    } catch (err) {
      throw new PartialCreateError(`container ${plan.name}: ${(err as Error).message}`, { id, outputs: { ...inputs, id, name: plan.name } });
    }
    return { id, outputs: stateAfterCreate(inputs, await dockerApi.inspectForState(id)) };
  },
  async diff(old, inputs) {
    return containerDecision(old.outputs, inputs);
  },
  async update(old, inputs, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    const plan = translateContainer(inputs);
    if (diffContainerState(old.outputs, inputs).changed.some((k) => UPDATED_BY_DOCKER.has(k))) {
      const host = plan.create.HostConfig;
      await dockerApi.updateContainer(old.id ?? plan.name, { RestartPolicy: host.RestartPolicy, Memory: host.Memory, MemorySwap: host.MemorySwap });
    }
    return stateAfterUpdate(old.outputs, inputs);
  },
  async delete(entry, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    const plan = translateContainer(entry.inputs);
    const id = entry.id ?? plan.name;
    if (plan.destroy.graceSeconds > 0) await dockerApi.stopContainer(id, plan.destroy.graceSeconds);
    await dockerApi.removeContainer(id, plan.destroy.removeVolumes);
  },
};
