import { describe, expect, it } from "vitest";
import { parsePlan, PlanError, reviewPlan } from "../../../scripts/lib/review";
import { normalizeSteps } from "../../../scripts/lib/review/context";
import { parseUrn } from "../../../scripts/lib/review/plan";
import {
  commandWithoutSettings,
  diffSettings,
  durationSeconds,
  parseCommandSettings,
  parseConfFile,
  parseConnString,
  parsePgbouncerIni,
  synchronousCount,
} from "../../../scripts/lib/review/settings";
import { isSensitiveName, listWords, maskInlinePasswords, pathSegments, show, valueAt } from "../../../scripts/lib/review/values";

describe("reading the settings pgstack renders", () => {
  it("reads pgstack.live.conf lines, quotes doubled inside values", () => {
    const text = "# header\n\nwork_mem = '8MB'\nlog_line_prefix = '%m [%p] %q%u@%d/%a '\nx = 'it''s'\nplain = on # comment\n";
    expect(parseConfFile(text)).toEqual({ work_mem: "8MB", log_line_prefix: "%m [%p] %q%u@%d/%a ", x: "it's", plain: "on" });
  });

  it("reads -c name=value arguments of a container's command and what is left", () => {
    const command = ["postgres", "-c", "shared_buffers=300MB", "-cwork_mem=4MB", "--max-connections=200", "-c", "archive_command=sh a.sh %p=%f"];
    expect(parseCommandSettings(command)).toEqual({ shared_buffers: "300MB", work_mem: "4MB", max_connections: "200", archive_command: "sh a.sh %p=%f" });
    expect(commandWithoutSettings(command)).toEqual(["postgres"]);
    expect(parseCommandSettings("postgres")).toEqual({});
  });

  it("diffs settings: changed, added, removed, sorted by name", () => {
    expect(diffSettings({ a: "1", b: "2", c: "3" }, { a: "1", b: "20", d: "4" })).toEqual([
      { name: "b", from: "2", to: "20" },
      { name: "c", from: "3", to: undefined },
      { name: "d", from: undefined, to: "4" },
    ]);
  });

  it("reads PgBouncer's live ini and connection strings", () => {
    const ini = parsePgbouncerIni("; c\npool_mode = transaction\n\n[databases]\napp = host=primary port=5432 dbname=app\napp_ro = host=replica-1,replica-2 port=5432 dbname=app\n");
    expect(ini).toEqual({ settings: { pool_mode: "transaction" }, databases: { app: "host=primary port=5432 dbname=app", app_ro: "host=replica-1,replica-2 port=5432 dbname=app" } });
    expect(parseConnString("host=a port=5 password='x y'")).toEqual({ host: "a", port: "5", password: "x y" });
  });

  it("counts synchronous replicas and reads Go durations", () => {
    expect(synchronousCount('ANY 1 ("primary", "replica-1")')).toBe(1);
    expect(synchronousCount("FIRST 2 (a, b, c)")).toBe(2);
    expect(synchronousCount("")).toBe(0);
    expect(synchronousCount(undefined)).toBeUndefined();
    expect([durationSeconds("1m30s"), durationSeconds("90s"), durationSeconds("1h0m0s"), durationSeconds("500ms"), durationSeconds("soon")]).toEqual([90, 90, 3600, 0.5, undefined]);
  });
});

describe("showing values", () => {
  it("never shows a credential, a secret or a placeholder", () => {
    expect(show("hunter2", "password")).toBe("(secret, not shown)");
    expect(show("x", "uploads[3].passwordVerifier")).toBe("(secret, not shown)");
    expect(show(["a", "[secret]"])).toBe("(secret, not shown)");
    expect(show("04da6b54-80e4-46f7-96ec-b56ff0331ba9")).toBe("(known after the deploy)");
    expect(show(undefined, "password")).toBe("(unset)");
    expect(show("scram-sha-256", "password_encryption")).toBe("scram-sha-256");
    expect(show("1.0", "cpus", { quote: true })).toBe('"1.0"');
    expect(show("x".repeat(300)).length).toBe(120);
    expect(maskInlinePasswords("host=a password=s3cr3t user=b password='q q'")).toBe("host=a password=(secret, not shown) user=b password=(secret, not shown)");
    expect(["PGPASSWORD", "userlist", "app-scram-salt", "api_token", "work_mem", "passfile"].map(isSensitiveName)).toEqual([true, true, true, true, false, false]);
  });

  it("follows detailedDiff paths", () => {
    const bag = { healthcheck: { startPeriod: "30m0s" }, command: ["postgres", "-c"], "a.b": { c: 1 } };
    expect(pathSegments('volumes[1].volumeName')).toEqual(["volumes", 1, "volumeName"]);
    expect(valueAt(bag, "healthcheck.startPeriod")).toBe("30m0s");
    expect(valueAt(bag, "command[1]")).toBe("-c");
    expect(valueAt(bag, '["a.b"].c')).toBe(1);
    expect(valueAt(bag, "missing.deeper")).toBeUndefined();
    expect(listWords(["a", "b", "c"])).toBe("a, b and c");
  });
});

describe("plans", () => {
  it("refuses what is not a plan, and a preview that failed, with what to do", () => {
    expect(() => parsePlan([])).toThrow(PlanError);
    expect(() => parsePlan({ config: {} })).toThrow(/no `steps` list .*pulumi preview --json/);
    expect(() => parsePlan({ steps: [{ op: "create" }] })).toThrow(/step 0 of the plan has no op or urn/);
    expect(() => parsePlan({ diagnostics: [{ severity: "error", message: "pgstack:replicas must be 0-9\n" }] })).toThrow(
      "the preview failed: pgstack:replicas must be 0-9",
    );
    expect(() => reviewPlan("nope")).toThrow(/not a JSON object/);
  });

  it("splits URNs and merges the parts of a replacement into one step", () => {
    const urn = "urn:pulumi:prod::pgstack::pgstack:index:PostgresCluster$pgstack:cluster:PostgresMember$docker:index/container:Container::replica-2";
    expect(parseUrn(urn)).toEqual({ stack: "prod", project: "pgstack", type: "docker:index/container:Container", parentTypes: ["pgstack:index:PostgresCluster", "pgstack:cluster:PostgresMember"], name: "replica-2" });
    const steps = normalizeSteps({
      steps: [
        { op: "delete-replaced", urn, oldState: { inputs: { cpus: "1" } } },
        { op: "create-replacement", urn, newState: { inputs: { cpus: "2" } }, diffReasons: ["cpus"], replaceReasons: ["cpus"] },
      ],
    });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ op: "replace", oldInputs: { cpus: "1" }, newInputs: { cpus: "2" }, replaceReasons: ["cpus"] });
  });

  it("reviews an up-style plan of replacement parts like a preview's replace", () => {
    const base = "urn:pulumi:staging::pgstack::pgstack:index:PostgresCluster$pgstack:cluster:PostgresMember$docker:index/container:Container::primary";
    const state = (cpus: string) => ({ type: "docker:index/container:Container", inputs: { name: "staging-primary", cpus } });
    const review = reviewPlan({
      steps: [
        { op: "delete-replaced", urn: base, oldState: state("1") },
        { op: "create-replacement", urn: base, oldState: state("1"), newState: state("2"), diffReasons: ["cpus"], replaceReasons: ["cpus"] },
      ],
    });
    expect(review.restarts.map((r) => [r.part, r.reasons[0].text])).toEqual([["primary", 'cpus "1" → "2"']]);
    expect(review.verdict).toBe("disruptive");
  });
});
