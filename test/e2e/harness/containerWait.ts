import { dockerApi as defaultEngine, type DockerApi } from "./dockerApi";

// The Docker provider's `wait`, as kreuzwerker/terraform-provider-docker implements it
// (resourceDockerContainerCreate): inspect once a second until Docker reports the container
// healthy, with no other check, and fail after wait_timeout with this exact message. A container
// that exits or restarts is waited for all the same: pgstack does not use `wait` (its
// ContainerHealth fails fast, with the container's log), and the harness must not be kinder than
// the provider to programs that do.

const POLL_MS = 1_000;

export async function waitHealthy(id: string, timeoutSeconds: number, dockerApi: DockerApi = defaultEngine): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const info = await dockerApi.inspectContainer(id);
    if (info && !info.State.Health) {
      throw new Error("you have supplied a 'wait' argument, but the container does not have a healthcheck defined. Please remove the 'wait' argument or add a 'healthcheck' attribute");
    }
    if (info?.State.Health?.Status === "healthy") return;
    if (Date.now() >= deadline) throw new Error("container failed to be in healthy state");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
