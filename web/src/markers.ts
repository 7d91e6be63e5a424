// Observed against simulated moments of an incident. Besides the numbers, each row draws both moments
// on one shared axis, so "the simulation was late here, early there" is seen, not computed.

import { el } from "./dom";
import { minutes, signedMinutes } from "./format";
import type { MarkerComparison } from "./types";

const svgNs = "http://www.w3.org/2000/svg";

export function markers(list: MarkerComparison[]): HTMLElement {
  const times = list.flatMap((m) => [m.observedMinutes, m.simulatedMinutes]).filter((v): v is number => v !== null);
  const lo = Math.min(0, ...times);
  const hi = Math.max(lo + 1, ...times);

  const rows = list.map((m) =>
    el("tr", { "data-marker": m.name },
      el("td", {}, m.name),
      el("td", { class: "num" }, minutes(m.observedMinutes)),
      el("td", { class: "num" }, minutes(m.simulatedMinutes)),
      el("td", { class: `num diff ${diffClass(m.differenceMinutes)}` }, signedMinutes(m.differenceMinutes)),
      el("td", { class: "strip-cell" }, strip(m, lo, hi))));

  return el("section", { id: "markers", class: "block" },
    el("h2", {}, "Observed vs simulated"),
    el("p", { class: "hint" },
      legendDot("observed"), " observed  ", legendDot("simulated"), " simulated; difference = simulated − observed"),
    el("div", { class: "scroll" },
      el("table", { class: "data markers" },
        el("thead", {}, el("tr", {},
          el("th", {}, "Marker"), el("th", { class: "num" }, "Observed"), el("th", { class: "num" }, "Simulated"),
          el("th", { class: "num" }, "Difference"), el("th", {}, `0 – ${Math.round(hi)} min`))),
        el("tbody", {}, ...rows))));
}

function diffClass(diff: number | null): string {
  if (diff === null) return "missing";
  return diff > 0 ? "late" : diff < 0 ? "early" : "";
}

function legendDot(which: string): HTMLElement {
  return el("span", { class: `dot ${which}` });
}

function strip(m: MarkerComparison, lo: number, hi: number): SVGElement {
  const width = 240, height = 18, pad = 6;
  const px = (v: number) => pad + ((v - lo) / (hi - lo)) * (width - 2 * pad);
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "strip");
  const add = (tag: string, attrs: Record<string, string | number>) => {
    const node = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    svg.append(node);
  };
  add("line", { x1: pad, x2: width - pad, y1: height / 2, y2: height / 2, class: "axis" });
  if (m.observedMinutes !== null && m.simulatedMinutes !== null)
    add("line", { x1: px(m.observedMinutes), x2: px(m.simulatedMinutes), y1: height / 2, y2: height / 2, class: "gap" });
  if (m.observedMinutes !== null) add("circle", { cx: px(m.observedMinutes), cy: height / 2, r: 5, class: "observed" });
  if (m.simulatedMinutes !== null) add("circle", { cx: px(m.simulatedMinutes), cy: height / 2, r: 4, class: "simulated" });
  return svg;
}
