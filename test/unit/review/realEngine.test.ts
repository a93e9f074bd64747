import { describe, expect, it } from "vitest";
import { reviewPlan, type Review } from "../../../scripts/lib/review";
import { readFixture } from "../../fixtures/plans/build";

// The recordings of the real engine (before the convergence fixes): each verdict, and the lines
// that say why, including the perpetual replacements named for what they are.

const review = (name: string) => reviewPlan(readFixture("real-engine", name));
const texts = (r: Review, section: keyof Review["sections"]) => r.sections[section].map((f) => f.text);
const allText = (r: Review) =>
  Object.values(r.sections)
    .flat()
    .flatMap((f) => [f.text, ...f.details])
    .join("\n");

const PERPETUAL_CPUS = 'cpus "1.0" → "1": the provider\'s canonical form, not a real change — still a restart: primary and replica-1 restart';

describe("review of the real engine's plans", () => {
  it("fresh: creates the whole cluster, restarts and deletes nothing: safe", () => {
    const r = review("fresh");
    expect([r.verdict, r.exitCode, r.stack, r.project]).toEqual(["safe", 0, "staging", "pgstack"]);
    expect(r.restarts).toEqual([]);
    expect(r.removals).toEqual([]);
    expect(texts(r, "data")).toEqual([
      "primary is added: a new data volume staging-primary-data, initialised by initdb",
      "replica-1 is added: a new data volume staging-replica-1-data, filled by a clone of primary through slot replica_1",
      "creates the backup volume staging-backups (empty)",
    ]);
    expect(texts(r, "objects")).toEqual(
      expect.arrayContaining([
        "creates role replicator (login, replication, member of pgstack_rewind)",
        "creates role app (login)",
        "creates database app (owner app)",
        "creates slot replica_1 for replica-1 (it reserves WAL from the start)",
      ]),
    );
    expect(texts(r, "live")).toContain("PgBouncer's pools and databases are written: app → primary, app_ro → replica-1");
    expect(texts(r, "other")).toContain("generates 6 passwords and 6 random values (SCRAM salts and the like; secret, not shown)");
    expect(r.headline).toBe("SAFE: no restart, nothing deleted");
  });

  it("unchanged: names the perpetual replacements honestly, and still calls them restarts", () => {
    const r = review("unchanged");
    expect([r.verdict, r.exitCode]).toEqual(["disruptive", 1]);
    expect(r.restarts.map((x) => [x.part, x.container])).toEqual([
      ["primary", "staging-primary"],
      ["replica-1", "staging-replica-1"],
    ]);
    expect(r.restarts.every((x) => x.reasons.some((reason) => reason.property === "cpus" && !reason.real && reason.forcesReplace))).toBe(true);
    const [cpus, together] = r.sections.restarts;
    expect(cpus.text).toBe(PERPETUAL_CPUS);
    expect(cpus.details).toEqual([
      'also: healthcheck.startPeriod "1m30s" → "90s": the same duration in the provider\'s canonical form, not a real change (primary)',
      'also: healthcheck.startPeriod "30m0s" → "1800s": the same duration in the provider\'s canonical form, not a real change (replica-1)',
    ]);
    expect(together.text).toMatch(/^primary and replica-1 restart in the same deploy, not one at a time/);
    expect(texts(r, "objects")[0]).toMatch(/^roles .* are RE-CREATED: the primary container is replaced \(delete-before-replace\)/);
    expect(r.sections.objects[0].details[0]).toMatch(/deletedWith the primary container/);
    expect(texts(r, "objects")).toContain(
      "database app is RE-CREATED in the stack: the primary container is replaced (delete-before-replace) and the engine re-creates what depends on it",
    );
    expect(r.removals.filter((x) => x.what === "role").map((x) => x.name).sort()).toEqual(["app", "pgstack_backup", "pgstack_stats", "replicator"]);
    expect(allText(r)).toContain("memorySwap 512 → (unset): a value Docker derived and the provider read back, not one the program sets; not a real change");
    expect(r.headline).toMatch(/^DISRUPTIVE: restarts primary and replica-1; re-creates role /);
    expect(r.counts).toEqual({ replace: 9, same: 31, update: 2 });
  });

  it("work_mem: the reload is one line, the perpetual restarts stay visible", () => {
    const r = review("work_mem");
    expect(r.verdict).toBe("disruptive");
    expect(texts(r, "live")).toContain("work_mem 2621kB → 8MB (primary and replica-1; reload, no restart)");
    expect(r.liveChanges).toEqual([
      { target: "primary", name: "work_mem", from: "2621kB", to: "8MB" },
      { target: "replica-1", name: "work_mem", from: "2621kB", to: "8MB" },
    ]);
    expect(texts(r, "restarts")[0]).toBe(PERPETUAL_CPUS);
  });

  it("shared_buffers: the masked upload is named, with the restart-only setting the stack sets", () => {
    const r = review("shared_buffers");
    expect(r.verdict).toBe("disruptive");
    const [restart] = r.sections.restarts;
    expect(restart.text).toBe(
      "uploaded files changed — probably shared_buffers = 300MB (set in pgstack:postgresql, needs a restart, written to postgresql.conf; the plan masks uploads because some are secret): primary and replica-1 restart",
    );
    expect(restart.details[0]).toBe('also forces it: cpus "1.0" → "1": the provider\'s canonical form, not a real change');
  });

  it("replicas 1 → 2: replica-2 is added through its own slot, PgBouncer's read pool grows", () => {
    const r = review("replicas_1_to_2");
    expect(r.verdict).toBe("disruptive");
    expect(texts(r, "data")).toEqual(["replica-2 is added: a new data volume staging-replica-2-data, filled by a clone of primary through slot replica_2"]);
    expect(texts(r, "objects")).toContain("creates slot replica_2 for replica-2 (it reserves WAL from the start)");
    expect(texts(r, "live")).toContain("PgBouncer database app_ro host=replica-1 → host=replica-1,replica-2 (PgBouncer re-reads it: no restart, clients stay connected)");
    expect(texts(r, "other")).toContain("after the deploy, the streaming check verifies replica-1 and replica-2 stream (was: replica-1)");
    expect(r.restarts.map((x) => x.part)).toEqual(["primary", "replica-1"]);
  });

  it("replicas 1 → 0: the replica's data volume deleted comes first and loud: destructive", () => {
    const r = review("replicas_1_to_0");
    expect([r.verdict, r.exitCode]).toEqual(["destructive", 2]);
    expect(r.headline).toBe("DESTRUCTIVE: replica-1's data volume staging-replica-1-data is DELETED: replica-1 is removed by the scale-down to 0 replicas");
    expect(r.sections.data[0]).toMatchObject({ severity: "destructive", details: ["Its container staging-replica-1 and its live settings are deleted."] });
    expect(texts(r, "objects")).toContain("slot replica_1 is DROPPED: replica-1 is removed in the same deploy: no replica uses it afterwards");
    expect(texts(r, "live")).toContain("PgBouncer database app_ro host=replica-1 → host=primary (PgBouncer re-reads it: no restart, clients stay connected)");
    expect(texts(r, "restarts")).toContain("writes pause while primary restarts (a fast shutdown and a start: seconds)");
    expect(r.removals.filter((x) => !x.replaced).map((x) => [x.what, x.name])).toEqual([
      ["data volume", "staging-replica-1-data"],
      ["container", "staging-replica-1"],
      ["slot", "replica_1"],
    ]);
    expect(r.acknowledgement).toEqual({ label: "pgstack-ack-destructive", env: "PGSTACK_REVIEW_ACK", value: "destructive" });
  });

  it("protectData on: protection raised is safe in itself; the perpetual restarts make it disruptive", () => {
    const r = review("protect_on");
    expect(r.verdict).toBe("disruptive");
    expect(r.sections.safety).toEqual([
      expect.objectContaining({
        severity: "safe",
        text: "protection on for backups (staging-backups), replica-1-data (staging-replica-1-data) and primary-data (staging-primary-data): Pulumi now refuses to delete them",
      }),
    ]);
    expect(r.acknowledgement).toBeUndefined();
  });
});
