import { describe, expect, it } from "vitest";
import { deadReason, lastHealthOutput, unhealthyMessage, type StartingContainer } from "../../../providers/containerHealthDiagnosis";
import { ContainerHealthProvider } from "../../../providers/ContainerHealth";

const starting = (state: Partial<StartingContainer["State"]> = {}, restarts = 0): StartingContainer => ({
  State: { Status: "running", Running: true, Restarting: false, ExitCode: 0, Error: "", Health: { Status: "starting", FailingStreak: 0, Log: [] }, ...state },
  RestartCount: restarts,
});

describe("whether a starting container can still become healthy", () => {
  it("waits while it runs and its healthcheck has not passed yet", () => {
    expect(deadReason(starting())).toBeUndefined();
    expect(deadReason(starting({ Health: { Status: "starting", FailingStreak: 4, Log: [{ ExitCode: 2, Output: "no response" }] } }))).toBeUndefined();
  });

  it("gives up at once when it exited, is restarting, was restarted or turned unhealthy", () => {
    expect(deadReason(starting({ Status: "exited", Running: false, ExitCode: 1 }))).toBe("exited with code 1 before becoming healthy");
    expect(deadReason(starting({ Restarting: true, ExitCode: 137 }, 2))).toBe("exited with code 137 and is being restarted (restart 2) before becoming healthy");
    expect(deadReason(starting({}, 1))).toBe("exited and was restarted by Docker (restart 1) before becoming healthy");
    expect(deadReason(starting({ Health: { Status: "unhealthy", FailingStreak: 15, Log: [] } }))).toBe("turned unhealthy after 15 failed healthchecks");
    expect(deadReason(starting({ Health: null }))).toMatch(/has no healthcheck/);
    // Docker reports no health for a container that never started: say that, not "no healthcheck".
    expect(deadReason(starting({ Status: "created", Running: false, Health: null }))).toMatch(/was created but never started/);
  });

  it("says which container, why, its last healthcheck and its last log lines", () => {
    const c = starting({ Status: "exited", Running: false, ExitCode: 1, Health: { Status: "starting", FailingStreak: 1, Log: [{ ExitCode: 2, Output: "/var/run/postgresql:5432 - no response\n" }] } });
    expect(lastHealthOutput(c)).toBe("exit 2: /var/run/postgresql:5432 - no response");
    expect(lastHealthOutput(starting())).toBe("no healthcheck has run yet");
    const message = unhealthyMessage("s-primary", deadReason(c)!, c, 'FATAL:  invalid value for parameter "shared_buffers": "100TB"\n');
    expect(message).toBe(
      "container s-primary: exited with code 1 before becoming healthy; last healthcheck: exit 2: /var/run/postgresql:5432 - no response; last log lines:\n" +
        '    FATAL:  invalid value for parameter "shared_buffers": "100TB"\n' +
        "See everything with: docker logs s-primary",
    );
  });
});

describe("ContainerHealthProvider", () => {
  const provider = new ContainerHealthProvider();
  const olds = { containerName: "s-primary", containerId: "a1", timeoutSeconds: 1830, healthyAt: "2026-12-01T00:00:00Z", waitedMs: 900 };

  it("waits again for a replaced container, and only records a new timeout", async () => {
    expect(await provider.diff("s-primary", olds, { containerName: "s-primary", containerId: "a1", timeoutSeconds: 1830 })).toMatchObject({ changes: false });
    expect(await provider.diff("s-primary", olds, { containerName: "s-primary", containerId: "b2", timeoutSeconds: 1830 })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await provider.update("s-primary", olds, { containerName: "s-primary", containerId: "a1", timeoutSeconds: 60 });
    expect(updated.outs).toEqual({ ...olds, timeoutSeconds: 60 });
  });

  it("refuses inputs it cannot wait on", async () => {
    const checked = await provider.check({}, { containerName: "", containerId: "a1", timeoutSeconds: 0 });
    expect(checked.failures?.map((f) => f.property)).toEqual(["containerName", "timeoutSeconds"]);
  });
});
