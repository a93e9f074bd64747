import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { containerScript, type ContainerScript } from "../config/containerScripts";
import { canonicalDuration } from "../config/dockerCanonicalForms";
import { paths } from "../config/containerPaths";

/** Labels that let `docker ps --filter label=pgstack.stack=<stack>` find a stack's containers and volumes. */
export function stackLabels(stack: string, part: string): { label: string; value: string }[] {
  return [
    { label: "pgstack.stack", value: stack },
    { label: "pgstack.part", value: part },
  ];
}

/** Uploads of pgstack's own scripts into /pgstack/bin. */
export function scriptUploads(scripts: ContainerScript[]): docker.types.input.ContainerUpload[] {
  return scripts.map((name) => ({ file: `${paths.bin}/${name}`, content: containerScript(name), executable: true }));
}

/** A secret file, readable only by root until the entrypoint hands a copy to postgres. */
export function secretUpload(file: string, content: pulumi.Input<string>): docker.types.input.ContainerUpload {
  return { file, content: pulumi.secret(content), permissions: "0600" };
}

/** Logs rotate, so a chatty server never fills the host's disk through Docker's log files. */
export const LOG_OPTIONS = { "max-size": "20m", "max-file": "5" };

/**
 * Resource options every container of the stack shares. Its name and host port are fixed, so the
 * old container must go first (deleteBeforeReplace). And a container whose create failed half way
 * (created, but its start failed: a host port taken) is replaced by the next deploy, not "updated":
 * the engine otherwise records the failure and only updates the resource next time, and the docker
 * provider's update never starts a container, so fixing the cause and deploying again would leave
 * it stopped. (`#initerror` is the engine's key for a resource's initialization errors in
 * replaceOnChanges.)
 */
export const CONTAINER_OPTIONS: Pick<pulumi.CustomResourceOptions, "deleteBeforeReplace" | "replaceOnChanges"> = {
  deleteBeforeReplace: true,
  replaceOnChanges: ["#initerror"],
};

/**
 * A healthcheck that probes every second: Docker runs the first probe one interval after the
 * start (its start_interval needs Docker 25, and the engines here run 20.10), so a 5 s interval
 * kept every deploy and every restart waiting up to 5 s per container after it was ready. The
 * retries keep the time to "unhealthy" what it was (`unhealthyAfterSeconds` of failing probes).
 * A probe costs about 15 ms of the Docker daemon's CPU (measured), well under 2 % of a core per
 * container.
 */
export function healthcheckEverySecond(
  tests: string[],
  o: { timeoutSeconds: number; unhealthyAfterSeconds: number; startPeriodSeconds: number },
): docker.types.input.ContainerHealthcheck {
  return {
    tests,
    interval: canonicalDuration(1),
    timeout: canonicalDuration(o.timeoutSeconds),
    retries: o.unhealthyAfterSeconds,
    startPeriod: canonicalDuration(o.startPeriodSeconds),
  };
}

/** A command's environment (DOCKER_HOST of its engine) only when there is one: one-host commands stay as they were. */
export function withEnvironment(environment: Record<string, string> | undefined): { environment?: Record<string, string> } {
  return environment && Object.keys(environment).length > 0 ? { environment } : {};
}
