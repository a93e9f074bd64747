import { dockerApi } from "../dockerApi";
import { assertOnlyInputs, replaceOnAnyChange, type ResourceHandler } from "./types";

function labelMap(labels: unknown): Record<string, string> {
  return Object.fromEntries(((labels as { label: string; value: string }[] | undefined) ?? []).map((l) => [l.label, l.value]));
}

/** docker:Network: a user-defined network (bridge unless told otherwise). */
export const dockerNetwork: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("docker Network", inputs, ["name", "driver", "labels"]);
    const name = inputs.name as string;
    const id = await dockerApi.createNetwork({ Name: name, Driver: (inputs.driver as string) ?? "bridge", Labels: labelMap(inputs.labels), CheckDuplicate: true });
    return { id, outputs: { ...inputs, name } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete(entry) {
    await dockerApi.removeNetwork(entry.id ?? (entry.inputs.name as string));
  },
};

/** docker:Volume: a named local volume; the id is its name, as the provider's. */
export const dockerVolume: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("docker Volume", inputs, ["name", "driver", "labels"]);
    const name = await dockerApi.createVolume({ Name: inputs.name as string, Driver: (inputs.driver as string) ?? "local", Labels: labelMap(inputs.labels) });
    return { id: name, outputs: { ...inputs, name, mountpoint: "" } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete(entry) {
    await dockerApi.removeVolume(entry.id ?? (entry.inputs.name as string));
  },
};

/**
 * docker:RemoteImage: the image must already be on this host. Never pulls: the test machines may
 * reach no registry, and a pull would send traffic off the machine.
 */
export const dockerRemoteImage: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("docker RemoteImage", inputs, ["name", "keepLocally"]);
    const name = inputs.name as string;
    const imageId = await dockerApi.imageId(name);
    if (!imageId) {
      throw new Error(`image ${name} is not on this Docker host, and the e2e harness never pulls (no registry is reachable); build it first (scripts/build-images.sh)`);
    }
    return { id: `${imageId}${name}`, outputs: { ...inputs, imageId, repoDigest: "" } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete(entry) {
    if (entry.inputs.keepLocally !== true) await dockerApi.removeImage(entry.inputs.name as string);
  },
};
