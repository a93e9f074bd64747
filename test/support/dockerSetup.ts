import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { ensureDockerAndImages, type LocalImages } from "./images";

declare module "vitest" {
  export interface ProvidedContext {
    images: LocalImages;
  }
}

/** Global setup of the suites that need Docker: an engine that answers and the local images. */
export default function setup(project: TestProject): void {
  project.provide("images", ensureDockerAndImages());
}
