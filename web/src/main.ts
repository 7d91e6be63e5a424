// Entry point of the report page: reads the JSON that HtmlReport embedded and builds the page from it.
// window.cascadeReport exposes what was drawn, for the browser test (and for anyone poking at a
// report from the devtools console).

import "uplot/dist/uPlot.min.css";
import "./report.css";
import { chartCard, mark, type ChartHandle } from "./chart";
import { el, slug } from "./dom";
import { header } from "./header";
import { markers } from "./markers";
import { matrix } from "./matrix";
import { timeline } from "./timeline";
import { tornadoes } from "./tornado";
import { clock } from "./format";
import type { ReportData, Section, TimelineEntry } from "./types";

declare global {
  interface Window { cascadeReport: { ready: boolean; charts: ChartHandle[] } }
}

function main(): void {
  window.cascadeReport = { ready: false, charts: [] };
  const source = document.getElementById("report-data");
  const root = document.getElementById("report");
  if (!source || !root) throw new Error("report page is missing its data or root element");
  const data = JSON.parse(source.textContent ?? "null") as ReportData;
  document.title = data.title;

  const charts: ChartHandle[] = [];
  const redrawAll = () => { for (const c of charts) c.plot?.redraw(false, false); };
  const onPick = (e: TimelineEntry) => {
    mark.x = e.timeSeconds / 60;
    mark.label = `${clock(e.timeSeconds)} ${e.kind}`;
    redrawAll();
  };

  const sections = data.sections.filter((s) => s.charts.length > 0);
  const ids = sectionIds(sections);
  const extents = xExtents(sections);
  const pending: (() => ChartHandle)[] = [];
  const sectionBlocks = sections.map((s) => {
    const cards = s.charts.map((c) => {
      const { card, start } = chartCard(c, s.title, extents.get(c.xLabel) ?? null);
      pending.push(start);
      return card;
    });
    return el("section", { id: ids.get(s)!, class: "block charts-section" },
      el("h2", {}, s.title),
      el("div", { class: "grid" }, ...cards));
  });

  root.append(
    header(data),
    nav(data, sections, ids, () => { mark.x = null; for (const c of charts) c.resetZoom(); redrawAll(); }),
    el("main", {},
      timeline(data.timeline, onPick),
      data.markers && data.markers.length ? markers(data.markers) : null,
      data.matrix && data.matrix.rows.length ? matrix(data.matrix) : null,
      data.tornadoes && data.tornadoes.length ? tornadoes(data.tornadoes) : null,
      ...sectionBlocks),
    el("footer", {}, data.generatedBy));

  for (const start of pending) charts.push(start());
  window.cascadeReport = { ready: true, charts };
}

function nav(data: ReportData, sections: Section[], ids: Map<Section, string>, reset: () => void): HTMLElement {
  const links: [string, string][] = [["timeline", "Timeline"]];
  if (data.markers && data.markers.length) links.push(["markers", "Observed vs simulated"]);
  if (data.matrix && data.matrix.rows.length) links.push(["matrix", "Matrix"]);
  if (data.tornadoes && data.tornadoes.length) links.push(["tornado", "Sensitivity"]);
  for (const s of sections) links.push([ids.get(s)!, s.title]);
  const button = el("button", { type: "button", class: "reset" }, "Reset zoom");
  button.addEventListener("click", reset);
  return el("nav", {},
    el("div", { class: "links" }, ...links.map(([id, text]) => el("a", { href: `#${id}` }, text))),
    el("span", { class: "hint" }, "Drag across a chart to zoom · double-click to reset · click a timeline row to mark it"),
    button);
}

/** The span of x over all charts with the same x unit, so their axes line up and zoom together. */
function xExtents(sections: Section[]): Map<string, [number, number]> {
  const extents = new Map<string, [number, number]>();
  for (const s of sections) for (const c of s.charts) for (const series of c.series) {
    for (const x of series.x) {
      if (!Number.isFinite(x)) continue;
      const e = extents.get(c.xLabel);
      if (!e) extents.set(c.xLabel, [x, x]);
      else { e[0] = Math.min(e[0], x); e[1] = Math.max(e[1], x); }
    }
  }
  return extents;
}

/** Anchors for the sections, unique even when two titles read alike. */
function sectionIds(sections: Section[]): Map<Section, string> {
  const ids = new Map<Section, string>();
  const used = new Set<string>();
  for (const s of sections) {
    let id = `section-${slug(s.title)}`;
    for (let n = 2; used.has(id); n++) id = `section-${slug(s.title)}-${n}`;
    used.add(id);
    ids.set(s, id);
  }
  return ids;
}

main();
