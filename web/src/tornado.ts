// Sensitivity as tornado charts, one per objective (a replay's marker, or a verdict's share of its
// limit): each input's bar spans the figure with the input at its low and at its high value, around
// a line at the baseline, the largest swing on top. Inline SVG, as the markers' strips are drawn.

import { el } from "./dom";
import { number } from "./format";
import type { Tornado, TornadoBar } from "./types";

const svgNs = "http://www.w3.org/2000/svg";

export function tornadoes(list: Tornado[]): HTMLElement {
  return el("section", { id: "tornado", class: "block" },
    el("h2", {}, "What moves which figure"),
    el("p", { class: "hint" },
      el("span", { class: "dot low" }), " input at its low value  ", el("span", { class: "dot high" }),
      " at its high value; the line is the baseline, ↦ never: the figure did not happen in that run"),
    el("div", { class: "tornado-grid" }, ...list.map(chart)));
}

function chart(t: Tornado): HTMLElement {
  const values = [t.baseline, t.observed, ...t.bars.flatMap((b) => [b.atLow, b.atHigh])].filter((v): v is number => v !== null);
  const lo = Math.min(...values, t.baseline ?? Infinity);
  const hi = Math.max(...values, t.baseline ?? -Infinity);
  const span = Number.isFinite(lo) && hi > lo ? hi - lo : 1;
  const min = Number.isFinite(lo) ? lo - span * 0.05 : 0, max = Number.isFinite(hi) ? hi + span * 0.05 : 1;
  const width = 420, label = 150, row = 22, top = 8, height = top + row * Math.max(1, t.bars.length) + 18;
  const px = (v: number) => label + ((v - min) / (max - min)) * (width - label - 10);
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "tornado");
  const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const node = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  t.bars.forEach((b, i) => {
    const y = top + i * row;
    add("text", { x: label - 6, y: y + row / 2 + 4, class: "input" }, b.input.length > 24 ? b.input.slice(0, 23) + "…" : b.input);
    bar(add, b, y, row, px, t.baseline, max);
  });
  if (t.baseline !== null) add("line", { x1: px(t.baseline), x2: px(t.baseline), y1: top - 4, y2: height - 16, class: "baseline" });
  if (t.observed !== null) add("line", { x1: px(t.observed), x2: px(t.observed), y1: top - 4, y2: height - 16, class: "observed" });
  add("text", { x: label, y: height - 3, class: "tick" }, number(min));
  add("text", { x: width - 10, y: height - 3, class: "tick end" }, `${number(max)} ${t.unit}`);
  const base = t.baseline === null ? "never" : `${number(t.baseline)} ${t.unit}`;
  return el("figure", { class: "tornado-card", "data-objective": t.objective },
    el("figcaption", {}, t.objective, el("span", { class: "hint" },
      ` baseline ${base}` + (t.observed !== null ? `, observed ${number(t.observed)} ${t.unit}` : ""))),
    svg);
}

type Add = (tag: string, attrs: Record<string, string | number>, text?: string) => SVGElement;

/** Each end drawn from the baseline to its figure; an end that never happened is an arrow to the edge. */
function bar(add: Add, b: TornadoBar, y: number, row: number, px: (v: number) => number, baseline: number | null, max: number): void {
  const from = baseline ?? max;
  const ends: [number | null, string][] = [[b.atLow, "low"], [b.atHigh, "high"]];
  ends.forEach(([v, which], k) => {
    const to = v ?? max;
    const x1 = px(Math.min(from, to)), x2 = px(Math.max(from, to));
    const h = (row - 6) / 2;
    const rect = add("rect", { x: x1, y: y + 3 + k * h, width: Math.max(1, x2 - x1), height: h, class: `${which}${v === null ? " never" : ""}` });
    const tip = document.createElementNS(svgNs, "title");
    tip.textContent = `${b.input} at ${which === "low" ? b.low : b.high}: ${v === null ? "never" : number(v)}`;
    rect.append(tip);
  });
}
