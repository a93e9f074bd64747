import { assertRunning, waitHealthy } from "../containerWait";
import { dockerApi } from "../dockerApi";
import { translateContainer } from "../dockerTranslate";
import { tarArchive } from "../tar";
import { PartialCreateError, replaceOnAnyChange, type ResourceHandler } from "./types";

/**
 * docker:Container, as the provider does it: create, join networks, upload files, start, wait
 * until healthy. Every input change replaces the container (the provider forces a new container
 * for nearly every field; the program changes none of the few it updates in place).
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
    return replaceOnAnyChange(old, inputs);
  },
  async delete(entry) {
    const plan = translateContainer(entry.inputs);
    const id = entry.id ?? plan.name;
    if (plan.destroy.graceSeconds > 0) await dockerApi.stopContainer(id, plan.destroy.graceSeconds);
    await dockerApi.removeContainer(id, plan.destroy.removeVolumes);
  },
};
