import { defineConfig } from "vitest/config";

// Four suites, cheapest first. `integration` and `e2e` need a Docker engine and the local images;
// their global setup starts one and builds them when missing. Both share ports and a Docker engine,
// so their files run one at a time.
export default defineConfig({
  test: {
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/vitest.json" },
    projects: [
      // Some unit tests spawn processes (the harness CLI, sh, tar): on a busy machine those take
      // seconds, so no test may depend on vitest's default 5 s.
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 } },
      { test: { name: "program", include: ["test/program/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/dockerSetup.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/dockerSetup.ts"],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
