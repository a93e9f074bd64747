import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { containerScript, type ContainerScript } from "../config/containerScripts";
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
