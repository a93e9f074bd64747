import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../config/defaults";
import { parseStackConfig } from "../../../config/parseStackConfig";
import { renderBackupEnv } from "../../../config/renderBackupEnv";
import { renderPgbouncerIni } from "../../../config/renderPgbouncer";
import { renderPgHba } from "../../../config/renderPgHba";
import { renderPostgresqlConf } from "../../../config/renderPostgresqlConf";
import type { StackSettings } from "../../../config/settings";
import { certificateSans, placedCertificateSans } from "../../../config/tls";
import { tlsBundle } from "../../../components/ClusterTls";

const settings = (over: Partial<StackSettings> = {}): StackSettings => ({ ...DEFAULTS, stack: "t", ...over });
const lines = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#") && !l.startsWith(";"));

describe("certificateSans", () => {
  it("names the member's alias, its container and the address clients reach the host at", () => {
    expect(certificateSans(settings(), "replica-1")).toEqual({ dnsNames: ["replica-1", "t-replica-1"], ipAddresses: ["127.0.0.1"] });
  });

  it("uses the address a published port bound to every interface is reached at", () => {
    expect(certificateSans(settings({ bindAddress: "0.0.0.0" }), "primary").ipAddresses).toEqual(["127.0.0.1"]);
    expect(certificateSans(settings({ bindAddress: "::" }), "primary").ipAddresses).toEqual(["::1"]);
    expect(certificateSans(settings({ bindAddress: "10.0.0.5" }), "pgbouncer").ipAddresses).toEqual(["10.0.0.5"]);
  });

  it("names, where a part is placed, the address of its own host", () => {
    const one = parseStackConfig({ "pgstack:bindAddress": "0.0.0.0", "pgstack:hosts": { db: { address: "db.example.com" } } }, "t");
    expect(placedCertificateSans(one, "primary")).toEqual({ dnsNames: ["primary", "t-primary", "db.example.com"], ipAddresses: [] });
    expect(placedCertificateSans(settings(), "replica-1")).toEqual(certificateSans(settings(), "replica-1"));
    const three = parseStackConfig({
      "pgstack:replicas": 2,
      "pgstack:hosts": { h1: { docker: "unix:///h1.sock", address: "10.0.0.11" }, h2: { docker: "unix:///h2.sock", address: "10.0.0.12" }, h3: { docker: "unix:///h3.sock", address: "10.0.0.13" } },
      "pgstack:placement": { primary: "h1", "replica-1": "h2", "replica-2": "h3", pgbouncer: "h1", backup: "h3" },
    }, "t");
    expect(["primary", "replica-1", "replica-2", "pgbouncer"].map((p) => placedCertificateSans(three, p).ipAddresses[0])).toEqual(["10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.11"]);
  });

  it("takes the host addresses the caller passes (the multi-host layout), names as DNS names, without duplicates", () => {
    expect(certificateSans(settings(), "primary", ["10.0.0.7", "db1.example", "10.0.0.7", "primary"])).toEqual({
      dnsNames: ["primary", "t-primary", "db1.example"],
      ipAddresses: ["10.0.0.7"],
    });
  });
});

describe("TLS in the renderers", () => {
  it("turns TLS on in postgresql.conf with pgstack's own files", () => {
    const conf = lines(renderPostgresqlConf());
    expect(conf).toContain("ssl = on");
    expect(conf).toContain("ssl_key_file = '/pgstack/tls/server.key'");
    expect(conf).toContain("ssl_cert_file = '/pgstack/tls/server.crt'");
    expect(conf).toContain("ssl_ca_file = '/pgstack/tls/ca.crt'");
    // Before the includes: nothing included later sets them (pgstack refuses them in pgstack:postgresql).
    expect(conf.indexOf("ssl = on")).toBeLessThan(conf.findIndex((l) => l.startsWith("include")));
  });

  it("refuses every TCP connection without TLS before any rule that accepts one, except from loopback", () => {
    const rules = lines(renderPgHba({ replicationRoles: ["replicator", "pgstack_backup"] })).map((l) => l.split(/\s+/));
    const firstNoSsl = rules.findIndex((r) => r[0] === "hostnossl");
    expect(rules.filter((r) => r[0] === "hostnossl")).toEqual([
      ["hostnossl", "replication", "all", "all", "reject"],
      ["hostnossl", "all", "all", "all", "reject"],
    ]);
    // Every plain `host` rule before them is loopback; everything after them needs TLS.
    for (const r of rules.slice(0, firstNoSsl).filter((r) => r[0] === "host")) expect(["127.0.0.1/32", "::1/128"]).toContain(r[3]);
    for (const r of rules.slice(firstNoSsl)) expect(["hostnossl", "hostssl"]).toContain(r[0]);
    expect(rules.filter((r) => r[0] === "host")).toHaveLength(6);
  });

  it("makes PgBouncer require TLS from clients and verify every member's certificate against the cluster CA", () => {
    const ini = lines(renderPgbouncerIni());
    expect(ini).toEqual(
      expect.arrayContaining([
        "client_tls_sslmode = require",
        "client_tls_key_file = /pgstack/tls/server.key",
        "client_tls_cert_file = /pgstack/tls/server.crt",
        // verify-full cannot serve a database with several hosts in PgBouncer 1.24 (see the renderer).
        "server_tls_sslmode = verify-ca",
        "server_tls_ca_file = /pgstack/tls/ca.crt",
      ]),
    );
    // In the [pgbouncer] section, before the live file is included.
    expect(ini.indexOf("server_tls_sslmode = verify-ca")).toBeLessThan(ini.findIndex((l) => l.startsWith("%include")));
  });

  it("makes backups verify the members they connect to", () => {
    const env = renderBackupEnv(settings(), ["primary"]);
    expect(env).toContain("PGSSLMODE='verify-full'");
    expect(env).toContain("PGSSLROOTCERT='/pgstack/tls/ca.crt'");
  });

  it("puts key, certificate and CA after their marker lines for install-tls.sh", () => {
    expect(tlsBundle("K\n", "C", "A\n")).toBe("# key\nK\n# cert\nC\n# ca\nA\n");
  });
});

describe("pgstack:tls", () => {
  it("defaults to a year, renewed in its last 30 days", () => {
    expect(parseStackConfig({}, "t").tls).toEqual({ validityHours: 8760, earlyRenewalHours: 720 });
  });

  it("takes part of the object", () => {
    expect(parseStackConfig({ "pgstack:tls": { validityHours: 2000 } }, "t").tls).toEqual({ validityHours: 2000, earlyRenewalHours: 720 });
  });

  it("refuses an early renewal longer than the validity, and unknown fields, naming the key", () => {
    expect(() => parseStackConfig({ "pgstack:tls": { validityHours: 24, earlyRenewalHours: 48 } }, "t")).toThrow(/tls\.earlyRenewalHours.*at most pgstack:tls\.validityHours \(24\)/s);
    expect(() => parseStackConfig({ "pgstack:tls": { validityDays: 3 } }, "t")).toThrow(/tls/);
    expect(() => parseStackConfig({ "pgstack:tls": { validityHours: 0 } }, "t")).toThrow(/tls\.validityHours/);
  });

  it("refuses TLS settings in pgstack:postgresql", () => {
    for (const name of ["ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file"]) {
      expect(() => parseStackConfig({ "pgstack:postgresql": { [name]: "off" } }, "t"), name).toThrow(/pgstack:tls|TLS|CA/);
    }
  });
});
