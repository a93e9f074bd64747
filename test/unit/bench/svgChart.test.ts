import { describe, expect, it } from "vitest";
import { escapeXml, niceMax, renderTpsChart } from "../../../bench/svgChart";
import { point } from "./fixtures";

const points = [
  point("direct", "select-only", 10, 40_000),
  point("pgbouncer", "select-only", 10, 24_000),
  point("direct", "select-only", 1000, undefined, "sorry, too many clients already"),
  point("pgbouncer", "select-only", 1000, 13_000),
  point("direct", "tpcb", 10, 1_700),
  point("pgbouncer", "tpcb", 10, 1_400),
  point("direct", "tpcb", 1000, undefined, "sorry, too many clients already"),
  point("pgbouncer", "tpcb", 1000, 1_100),
];

const circles = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`<circle class="${cls}" cx="([\\d.]+)" cy="([\\d.]+)"`, "g"))].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

describe("niceMax", () => {
  it("rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect(niceMax(41_178)).toBe(50_000);
    expect(niceMax(1_715)).toBe(2_000);
    expect(niceMax(2_100)).toBe(2_500);
    expect(niceMax(100)).toBe(100);
    expect(niceMax(0)).toBe(1);
  });
});

describe("renderTpsChart", () => {
  const svg = renderTpsChart(points, "TPS & clients <test>");

  it("is one SVG document with a panel per workload", () => {
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<g class="panel"/g)).toHaveLength(2);
    expect(svg).toContain('data-workload="select-only"');
    expect(svg).toContain('data-workload="tpcb"');
  });

  it("escapes the caption", () => {
    expect(svg).toContain("TPS &amp; clients &lt;test&gt;");
    expect(svg).not.toContain("<test>");
  });

  it("draws a successful run as a point, higher for more tps, further right for more clients", () => {
    const bouncer = circles(svg, "point-pgbouncer");
    expect(bouncer).toHaveLength(4);
    const [ro10, ro1000] = bouncer;
    expect(ro1000.x).toBeGreaterThan(ro10.x);
    expect(ro1000.y).toBeGreaterThan(ro10.y); // fewer tps: lower on the chart, larger y
    const direct = circles(svg, "point-direct");
    expect(direct[0].y).toBeLessThan(ro10.y); // 40k direct above 24k through PgBouncer
  });

  it("draws a failed run as a marked cross with its reason, not as a point", () => {
    expect(svg.match(/<g class="failed-direct">/g)).toHaveLength(2);
    expect(svg).toContain("1000 clients: failed (sorry, too many clients already)");
    expect(svg.match(/<g class="failed-pgbouncer">/g)).toBeNull();
  });

  it("connects a series' successful points only when there are two or more", () => {
    expect(svg.match(/<polyline class="series-pgbouncer"/g)).toHaveLength(2);
    expect(svg.match(/<polyline class="series-direct"/g)).toBeNull();
  });

  it("renders without points", () => {
    expect(renderTpsChart([], "empty")).toContain("</svg>");
  });
});

describe("escapeXml", () => {
  it("escapes the five characters XML cares about in text and attributes", () => {
    expect(escapeXml(`a<b>&"c"`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;");
  });
});
