import { describe, expect, it } from "vitest";
import { reviewPlan, type Review } from "../../../scripts/lib/review";
import { readFixture } from "../../fixtures/plans/build";

// Plans in the converged program's shape (see test/fixtures/plans/README.md): restart-only
// settings on the container's command, no perpetual diff, roles kept when a container is replaced.

const review = (name: string) => reviewPlan(readFixture("derived", name));
const texts = (r: Review, section: keyof Review["sections"]) => r.sections[section].map((f) => f.text);

describe("review of converged-shape plans", () => {
  it("unchanged: no steps, no findings: safe", () => {
    const r = review("unchanged");
    expect([r.verdict, r.exitCode, r.headline]).toEqual(["safe", 0, "SAFE: no changes"]);
    expect(Object.values(r.sections).flat()).toEqual([]);
  });

  it("work_mem: a reload on each member, nothing else: safe", () => {
    const r = review("work_mem");
    expect([r.verdict, r.exitCode]).toEqual(["safe", 0]);
    expect(texts(r, "live")).toEqual(["work_mem 2621kB → 8MB (primary and replica-1; reload, no restart)"]);
    expect(r.restarts).toEqual([]);
    expect(r.headline).toBe("SAFE: no restart, nothing deleted (2 live changes)");
  });

  it("shared_buffers: read from the command's -c arguments, both members restart", () => {
    const r = review("shared_buffers");
    expect([r.verdict, r.exitCode]).toEqual(["disruptive", 1]);
    expect(texts(r, "restarts")).toEqual([
      "shared_buffers 256MB → 300MB needs a restart: primary and replica-1 restart",
      "primary and replica-1 restart in the same deploy, not one at a time: no member is left to take writes, and reads pause too, until they are back (seconds each)",
    ]);
    expect(r.restarts.map((x) => x.reasons)).toEqual([
      [{ property: "command", text: "shared_buffers 256MB → 300MB needs a restart", real: true, forcesReplace: true }],
      [{ property: "command", text: "shared_buffers 256MB → 300MB needs a restart", real: true, forcesReplace: true }],
    ]);
    expect(r.sections.objects).toEqual([]);
    expect(r.headline).toBe("DISRUPTIVE: restarts primary and replica-1");
  });

  it("production shared_buffers: three restarts at once, and the synchronous replica is away meanwhile", () => {
    const r = review("production_shared_buffers");
    expect(r.stack).toBe("production");
    expect(texts(r, "restarts")[0]).toBe("shared_buffers 512MB → 1GB needs a restart: primary, replica-1 and replica-2 restart");
    expect(texts(r, "safety")).toEqual([
      "replicas below syncReplicas during the deploy: replica-1 and replica-2 restart in the same deploy as primary, so once primary is back its commits wait until one replica is back too (syncReplicas 1)",
    ]);
  });

  it("replicas 2 → 1: the volume deletion first, the slot dropped nobody uses, the backup container restarted", () => {
    const r = review("replicas_2_to_1");
    expect([r.verdict, r.exitCode]).toEqual(["destructive", 2]);
    expect(r.sections.data[0].text).toBe("replica-2's data volume staging-replica-2-data is DELETED: replica-2 is removed by the scale-down to 1 replica");
    expect(texts(r, "objects")).toEqual(["slot replica_2 is DROPPED: replica-2 is removed in the same deploy: no replica uses it afterwards"]);
    expect(texts(r, "restarts")[0]).toBe(
      "uploaded files changed — probably backup.env, which lists the members (the plan masks uploads because some are secret): the backup container restarts",
    );
    expect(r.restarts.map((x) => x.kind)).toEqual(["backup"]);
    expect(r.sections.safety).toEqual([]);
  });

  it("backups to a host directory: the backup volume deleted, and where backups go now", () => {
    const r = review("backups_to_host_path");
    expect(r.verdict).toBe("destructive");
    expect(r.sections.data[0]).toMatchObject({
      severity: "destructive",
      text: "the backup volume staging-backups is DELETED: the WAL archive, base backups and dumps in it are gone for good",
      details: ["Backups now go to /srv/pgstack-backups (pgstack:backup.hostPath): copy what the volume holds there first if you still need it."],
    });
    expect(texts(r, "restarts")[0]).toBe("mount at /var/lib/pgstack/backups: volume staging-backups → host directory /srv/pgstack-backups: primary, replica-1 and the backup container restart");
    expect(r.removals).toEqual([expect.objectContaining({ what: "backup volume", name: "staging-backups", replaced: false, kept: false })]);
  });

  it("protection off: lowered on every volume: destructive, though nothing else changes", () => {
    const r = review("protect_off");
    expect([r.verdict, r.exitCode]).toEqual(["destructive", 2]);
    expect(r.sections.safety).toEqual([
      expect.objectContaining({
        severity: "destructive",
        text: "protection LOWERED on backups (staging-backups), replica-1-data (staging-replica-1-data) and primary-data (staging-primary-data): pulumi destroy or a scale-down can now delete them",
        details: ["pgstack:protectData is now false."],
      }),
    ]);
    expect(r.restarts).toEqual([]);
  });

  it("primary moving after a failover: nothing restarts, the new primary's slot goes, endpoints follow", () => {
    const r = review("primary_moves");
    expect([r.verdict, r.exitCode]).toEqual(["disruptive", 1]);
    expect(r.restarts).toEqual([]);
    expect(r.sections.safety[0].text).toBe("the primary role moves: primary → replica-1");
    expect(r.headline).toBe("DISRUPTIVE: drops slot replica_1; the primary role moves: primary → replica-1");
    expect(texts(r, "objects")).toEqual(
      expect.arrayContaining([
        "slot replica_1 is DROPPED: replica-1 is the primary now and streams from no slot",
        "creates slot primary for primary (a replica now) (it reserves WAL from the start)",
        "role app is updated in place (port)",
      ]),
    );
    expect(texts(r, "live")).toEqual([
      "primary_conninfo host=primary → host=replica-1 (primary and replica-1; reload, no restart)",
      "PgBouncer database app host=primary → host=replica-1 (PgBouncer re-reads it: no restart, clients stay connected)",
      "PgBouncer database app_ro host=replica-1 → host=primary (PgBouncer re-reads it: no restart, clients stay connected)",
    ]);
  });

  it("a role renamed in place is disruptive: clients must use the new name", () => {
    const r = review("app_user_renamed");
    expect(r.verdict).toBe("disruptive");
    expect(texts(r, "objects")).toEqual(["role app is renamed to app_v2: clients must log in with the new name", "database app changes owner: app → app_v2"]);
    expect(texts(r, "live")).toEqual(["PgBouncer's userlist changes and is re-read (its content is secret: not shown)"]);
  });

  it("a role re-created: dropped and created again, its privileges re-granted", () => {
    const r = review("role_recreated");
    expect([r.verdict, r.exitCode]).toEqual(["disruptive", 1]);
    expect(r.sections.objects[0]).toMatchObject({
      severity: "disruptive",
      text: "role app (as app_v2) is RE-CREATED (dropped and created again, privileges re-granted): roleName changed",
      details: ["Grants made outside pgstack are lost; dropping a role that still owns objects is refused and the deploy stops there."],
    });
    expect(r.removals).toEqual([expect.objectContaining({ what: "role", name: "app_v2", replaced: true, kept: false })]);
  });

  it("restore source set on a stack with data: checked and mounted, nothing restored; the primary restarts alone", () => {
    const r = review("restore_set");
    expect(r.verdict).toBe("disruptive");
    expect(texts(r, "data")).toEqual(["restore source set (/srv/pgstack-backups-old) on a stack whose primary already has data: nothing is restored"]);
    expect(texts(r, "restarts")).toEqual([
      "new mount at /var/lib/pgstack/restore: host directory /srv/pgstack-backups-old (read-only): primary restarts",
      "writes pause while primary restarts; a failover to replica-1 first keeps writes available (npm run failover -- --stack staging --force --to replica-1)",
    ]);
  });
});
