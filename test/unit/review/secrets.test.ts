import { describe, expect, it } from "vitest";
import { renderMarkdown, renderText, reviewPlan } from "../../../scripts/lib/review";
import { isSensitiveName } from "../../../scripts/lib/review/values";
import { fixtureNames, readFixture } from "../../fixtures/plans/build";

// Secrets never reach the review: not the plan's "[secret]" markers, not values of properties that
// hold credentials (password, verifier, userlist, ...), whether or not the plan marks them.

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function outputs(plan: unknown): string[] {
  const review = reviewPlan(plan);
  return [renderText(review), renderText(review, { color: true }), renderMarkdown(review), JSON.stringify(review)];
}

/** Every string in the plan that is a credential: under a sensitive name, a secret upload, the userlist's text. */
function sensitiveStrings(plan: Record<string, any>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string, inSecret: boolean) => {
    if (typeof value === "string") {
      if (inSecret && value !== "[secret]" && !value.includes(UNKNOWN)) found.push(value);
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`, inSecret));
    else if (value && typeof value === "object") {
      const bag = value as Record<string, unknown>;
      const secretUpload = typeof bag.file === "string" && bag.file.startsWith("/pgstack/secrets/");
      for (const [k, v] of Object.entries(bag)) walk(v, `${path}.${k}`, inSecret || isSensitiveName(k) || (secretUpload && k === "content"));
    }
  };
  for (const step of plan.steps) {
    const userlist = String(step.urn).endsWith("::pgbouncer-userlist");
    for (const side of ["oldState", "newState"]) {
      for (const bag of ["inputs", "outputs"]) {
        const props = step[side]?.[bag];
        if (!props) continue;
        walk(props, `${side}.${bag}`, false);
        if (userlist && typeof props.stdin === "string" && props.stdin !== "[secret]" && !props.stdin.includes(UNKNOWN)) found.push(props.stdin);
      }
    }
  }
  return found;
}

/** Windows of 13 characters: no run longer than 12 characters of a secret may appear. */
function windows(secret: string): string[] {
  const result: string[] = [];
  for (let i = 0; i + 13 <= secret.length; i++) result.push(secret.slice(i, i + 13));
  return result;
}

const fixtures = [...fixtureNames("real-engine").map((n) => ["real-engine", n] as const), ...fixtureNames("derived").map((n) => ["derived", n] as const)];

describe("secrets in reviews of the fixtures", () => {
  it.each(fixtures)("%s/%s: no [secret] marker, no placeholder, no run of a credential", (dir, name) => {
    const plan = readFixture(dir, name);
    const secrets = sensitiveStrings(plan);
    for (const out of outputs(plan)) {
      expect(out).not.toContain("[secret]");
      expect(out).not.toContain(UNKNOWN);
      for (const s of secrets) for (const w of windows(s)) expect(out).not.toContain(w);
    }
  });

  it("the fixtures do carry secret-marked values, so the test above checks something", () => {
    const marked = fixtures.filter(([dir, name]) => JSON.stringify(readFixture(dir, name)).includes('"[secret]"'));
    expect(marked.length).toBeGreaterThan(10);
  });
});

describe("credentials the plan does not mark secret", () => {
  // A plan where every credential is in plain text: a careless provider, or a hand-made plan.
  const SECRETS = {
    verifier: "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$U3RvcmVkS2V5U3RvcmVkS2V5:U2VydmVyS2V5U2VydmVyS2V5",
    password: "correct-horse-battery-staple",
    conninfo: "Sup3rSecretReplicationPw",
    env: "TopSecretEnvironmentValue",
    token: "tok_abcdefghijklmnopqrstuv",
    bouncer: "BouncerDatabasePassw0rd",
    passphrase: "echo my-very-secret-passphrase",
  };

  function leakyPlan(): Record<string, any> {
    const plan = readFixture("derived", "work_mem");
    const [stack, primaryLive] = plan.steps;
    const urn = (type: string, name: string) => `urn:pulumi:staging::pgstack::pgstack:index:PostgresCluster$${type}::${name}`;
    primaryLive.newState.inputs.stdin = String(primaryLive.newState.inputs.stdin).replace("user=replicator passfile", `user=replicator password=${SECRETS.conninfo} passfile`);
    primaryLive.newState.inputs.stdin += `ssl_passphrase_command = '${SECRETS.passphrase}'\n`;
    const role = (verifier: string, password: string) => ({
      type: "pulumi-nodejs:dynamic/postgres:PostgresRole",
      inputs: { roleName: "app", login: true, replication: false, host: "127.0.0.1", port: 15432, password, passwordVerifier: verifier },
    });
    const container = (envs: string[], command: string[]) => ({ type: "docker:index/container:Container", inputs: { name: "staging-primary", envs, command } });
    plan.steps = [
      stack,
      primaryLive,
      { op: "update", urn: urn("pulumi-nodejs:dynamic/postgres:PostgresRole", "app-role"), oldState: role("SCRAM-SHA-256$4096:b2xk$b2xk:b2xk", "old-password-value"), newState: role(SECRETS.verifier, SECRETS.password), diffReasons: ["passwordVerifier", "password"] },
      {
        op: "update",
        urn: urn("pgstack:cluster:Pgbouncer$command:local:Command", "pgbouncer-userlist"),
        oldState: { type: "command:local:Command", inputs: { stdin: `"app" "SCRAM-SHA-256$4096:b2xk$b2xk:b2xk"\n` } },
        newState: { type: "command:local:Command", inputs: { stdin: `"app" "${SECRETS.verifier}"\n` } },
        diffReasons: ["stdin"],
      },
      {
        op: "update",
        urn: urn("pgstack:cluster:Pgbouncer$command:local:Command", "pgbouncer-live-settings"),
        oldState: { type: "command:local:Command", inputs: { stdin: "[databases]\napp = host=primary dbname=app\n" } },
        newState: { type: "command:local:Command", inputs: { stdin: `[databases]\napp = host=primary dbname=app password=${SECRETS.bouncer}\n` } },
        diffReasons: ["stdin"],
      },
      {
        op: "replace",
        urn: urn("pgstack:cluster:PostgresMember$docker:index/container:Container", "primary"),
        oldState: container(["PGPASSWORD=old-value-here"], ["postgres", "-c", "my_ext.api_token=tok_old"]),
        newState: container([`PGPASSWORD=${SECRETS.env}`], ["postgres", "-c", `my_ext.api_token=${SECRETS.token}`]),
        diffReasons: ["envs", "command"],
        replaceReasons: ["envs", "command"],
      },
    ];
    return plan;
  }

  it("never prints them, and still says that they change", () => {
    const plan = leakyPlan();
    const review = reviewPlan(plan);
    for (const out of outputs(plan)) {
      for (const secret of Object.values(SECRETS)) for (const w of windows(secret)) expect(out).not.toContain(w);
    }
    const text = renderText(review);
    expect(text).toContain("role app's password changes: clients using the old one are refused");
    expect(text).toContain("passwordVerifier changed (secret, not shown)");
    expect(text).toContain("PgBouncer's userlist changes and is re-read (its content is secret: not shown)");
    expect(text).toContain("environment PGPASSWORD (secret, not shown) → (secret, not shown)");
    expect(text).toContain("my_ext.api_token (secret, not shown) → (secret, not shown) needs a restart");
    expect(text).toContain("primary_conninfo password=(unset) → password=(secret, not shown)");
    expect(text).toContain("ssl_passphrase_command (unset) → (secret, not shown)");
    expect(review.liveChanges).toEqual(
      expect.arrayContaining([
        { target: "primary", name: "ssl_passphrase_command", from: undefined, to: "(secret, not shown)" },
        { target: "pgbouncer", name: "app", from: "host=primary dbname=app", to: "host=primary dbname=app password=(secret, not shown)" },
      ]),
    );
  });
});
