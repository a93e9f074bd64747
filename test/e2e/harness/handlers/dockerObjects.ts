import { randomUUID } from "node:crypto";
import { dockerApiAt } from "../dockerApi";
import { assertOnlyInputs, replaceOnAnyChange, type ResourceHandler } from "./types";

function labelMap(labels: unknown): Record<string, string> {
  return Object.fromEntries(((labels as { label: string; value: string }[] | undefined) ?? []).map((l) => [l.label, l.value]));
}

/** docker:Network: a user-defined network (bridge unless told otherwise). */
export const dockerNetwork: ResourceHandler = {
  async create(inputs, _urn, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    assertOnlyInputs("docker Network", inputs, ["name", "driver", "labels"]);
    const name = inputs.name as string;
    const id = await dockerApi.createNetwork({ Name: name, Driver: (inputs.driver as string) ?? "bridge", Labels: labelMap(inputs.labels), CheckDuplicate: true });
    return { id, outputs: { ...inputs, name } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete(entry, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    await dockerApi.removeNetwork(entry.id ?? (entry.inputs.name as string));
  },
};

/** docker:Volume: a named local volume; the id is its name, as the provider's. */
export const dockerVolume: ResourceHandler = {
  async create(inputs, _urn, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    assertOnlyInputs("docker Volume", inputs, ["name", "driver", "labels"]);
    const name = await dockerApi.createVolume({ Name: inputs.name as string, Driver: (inputs.driver as string) ?? "local", Labels: labelMap(inputs.labels) });
    return { id: name, outputs: { ...inputs, name, mountpoint: "" } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete(entry, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    await dockerApi.removeVolume(entry.id ?? (entry.inputs.name as string));
  },
};

/**
 * docker:RemoteImage: the image must already be on this host. Never pulls: the test machines may
 * reach no registry, and a pull would send traffic off the machine.
 */
export const dockerRemoteImage: ResourceHandler = {
  async create(inputs, _urn, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
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
  async delete(entry, provider) {
    const dockerApi = dockerApiAt(provider?.dockerHost);
    if (entry.inputs.keepLocally !== true) await dockerApi.removeImage(entry.inputs.name as string);
  },
};

/**
 * pulumi:providers:docker, an explicit docker provider: it creates nothing itself; the resources
 * that name it reach the engine of its `host` (the harness hands that to their handlers). A
 * changed host is another engine: everything on it is replaced, as with the real provider.
 */
export const dockerProvider: ResourceHandler = {
  async create(inputs) {
    assertOnlyInputs("docker Provider", inputs, ["host", "certPath", "version"]);
    if (inputs.certPath !== undefined) throw new Error("the e2e harness reaches Docker engines over unix:// sockets only: a docker provider with certPath (tcp:// with TLS) is not implemented");
    return { id: randomUUID(), outputs: { ...inputs } };
  },
  async diff(old, inputs) {
    return replaceOnAnyChange(old, inputs);
  },
  async delete() {
    // A provider holds nothing to delete.
  },
};
