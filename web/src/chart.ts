// One chart of the report drawn with uPlot: lines, steps or filled areas over simulated minutes, with
// thresholds (dashed lines) and bands (shaded spans such as the rollout window) drawn on the canvas.
// Drag to zoom and double-click to reset come from uPlot; every chart shares one cursor-sync key, so
// hovering or zooming one chart moves them all and their legends read off the same moment.

import uPlot from "uplot";
import { el } from "./dom";
import { number, withUnit } from "./format";
import { seriesColor, withAlpha } from "./palette";
import type { Chart } from "./types";

export interface ChartHandle {
  id: string;
  title: string;
  section: string;
  plot: uPlot | null;
  /** Points with a value, per series: what the browser test checks was drawn. */
  series: { name: string; points: number }[];
  xRange(): [number, number] | null;
  resetZoom(): void;
}

/** Shared by every chart: the moment picked in the timeline, drawn as a vertical line. */
export const mark: { x: number | null; label: string } = { x: null, label: "" };

const height = 250;
const ink = "#1f2937";
const grid = "#e5e7eb";
const muted = "#6b7280";
const font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif';

export function chartCard(chart: Chart, section: string, xExtent: [number, number] | null): { card: HTMLElement; start(): ChartHandle } {
  const body = el("div", { class: "chart-body" });
  const card = el("figure", { class: "chart", "data-chart-id": chart.id },
    el("figcaption", {}, el("span", { class: "chart-title" }, chart.title), chart.unit ? el("span", { class: "chart-unit" }, chart.unit) : null),
    body);
  // Built once the card is in the page, so uPlot can size itself to it.
  return { card, start: () => draw(chart, section, body, xExtent) };
}

function draw(chart: Chart, section: string, body: HTMLElement, xExtent: [number, number] | null): ChartHandle {
  const tables = chart.series.map((s) => toTable(s.x, s.y));
  const counts = chart.series.map((s, i) => ({ name: s.name, points: tables[i][1].filter((v) => v !== null).length }));
  const handle: ChartHandle = { id: chart.id, title: chart.title, section, plot: null, series: counts, xRange: () => null, resetZoom: () => {} };
  if (tables.length === 0 || tables.every((t) => t[0].length === 0)) {
    body.append(el("p", { class: "empty" }, "No data."));
    return handle;
  }

  const data = uPlot.join(tables as uPlot.AlignedData[]);
  if (xExtent) stretch(data, xExtent);
  const thresholds = chart.thresholds ?? [];
  const bands = chart.bands ?? [];
  const stepped = uPlot.paths.stepped!({ align: 1 });

  const opts: uPlot.Options = {
    width: Math.max(body.clientWidth, 200),
    height,
    pxAlign: false,
    // Room above the plot for the bands' labels, so they never sit on the data or a threshold.
    padding: [18, 14, 0, 0],
    // No horizontal crosshair: synced, it would sit at the same height on charts of unrelated units.
    cursor: { sync: { key: "cascade" }, y: false, drag: { x: true, y: false, setScale: true } },
    scales: {
      x: { time: false },
      y: { range: (_u, min, max) => yRange(min, max, thresholds.map((t) => t.y)) },
    },
    axes: [
      axis(chart.xLabel, (v) => number(v), 28),
      axis(chart.unit && !chart.yLabel.includes(chart.unit) ? `${chart.yLabel} (${chart.unit})` : chart.yLabel,
        (v) => (chart.unit === "%" ? number(v) + "%" : number(v)), 60),
    ],
    series: [
      { label: chart.xLabel, value: (_u, v) => (v == null ? "—" : v.toFixed(1)) },
      ...chart.series.map((s, i): uPlot.Series => {
        const color = s.color ?? seriesColor(i);
        return {
          label: s.name,
          stroke: color,
          width: 1.75,
          fill: chart.kind === "area" ? withAlpha(color, 0.18) : undefined,
          paths: chart.kind === "step" ? stepped : undefined,
          spanGaps: false,
          value: (u, v, sidx, idx) => legendValue(u, v, sidx, idx, chart.unit),
        };
      }),
    ],
    hooks: {
      drawClear: [(u) => drawBands(u, bands)],
      // The timeline's moments are in simulated time, so they mark only charts over minutes.
      draw: [(u) => { drawThresholds(u, thresholds); if (chart.xLabel === "minutes") drawMark(u); }],
      // Away from the cursor the legend is only a key: values at no moment would read as "—" everywhere.
      setCursor: [(u) => u.root.classList.toggle("idle", u.cursor.idx == null)],
    },
  };

  const plot = new uPlot(opts, data, body);
  plot.root.classList.add("idle");
  new ResizeObserver(() => {
    const width = Math.max(body.clientWidth, 200);
    if (width !== plot.width) plot.setSize({ width, height });
  }).observe(body);

  const first = data[0][0];
  const last = data[0][data[0].length - 1];
  handle.plot = plot;
  handle.xRange = () => [plot.scales.x.min ?? first, plot.scales.x.max ?? last];
  handle.resetZoom = () => plot.setScale("x", { min: first, max: last });
  return handle;
}

/** One series as uPlot wants it: x finite and ascending, y a number or null (a gap; NaN is one too). */
function toTable(xs: number[], ys: (number | string | null)[]): [number[], (number | null)[]] {
  const pairs: [number, number | null][] = [];
  xs.forEach((x, i) => {
    const y = ys[i];
    if (typeof x === "number" && Number.isFinite(x)) pairs.push([x, typeof y === "number" && Number.isFinite(y) ? y : null]);
  });
  pairs.sort((a, b) => a[0] - b[0]);
  return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
}

/** Widens a chart to the report's common x extent, so every chart's time axis lines up. The added
 *  points hold undefined, which uPlot skips over rather than treating as a gap. */
function stretch(data: uPlot.AlignedData, [lo, hi]: [number, number]): void {
  const xs = data[0] as number[];
  const columns = data as unknown as (number | null | undefined)[][];
  if (xs.length && lo < xs[0]) for (let i = 0; i < columns.length; i++) columns[i].unshift(i === 0 ? lo : undefined);
  if (xs.length && hi > xs[xs.length - 1]) for (let i = 0; i < columns.length; i++) columns[i].push(i === 0 ? hi : undefined);
}

function axis(label: string, format: (v: number) => string, size?: number): uPlot.Axis {
  return {
    label,
    labelSize: 16,
    labelGap: 0,
    labelFont: font,
    font,
    // Left out rather than undefined when not given: an explicit undefined would override uPlot's default.
    ...(size ? { size } : {}),
    stroke: muted,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    values: (_u, splits) => splits.map(format),
  };
}

/** From zero (most of what we draw is a count, a rate or a fraction) to a little above the data and
 *  every threshold, so a limit is visible even before the data reaches it. */
function yRange(min: number | null, max: number | null, thresholds: number[]): uPlot.Range.MinMax {
  let lo = Math.min(0, min ?? 0, ...thresholds);
  let hi = Math.max(max ?? 1, ...thresholds);
  if (hi <= lo) hi = lo + 1;
  const pad = (hi - lo) * 0.08;
  return [lo < 0 ? lo - pad : lo, hi + pad];
}

/** The value under the cursor; where this series has no point at that x (another series does), the
 *  last value before it, as a step chart would show. */
function legendValue(u: uPlot, v: number | null, sidx: number, idx: number | null, unit: string): string {
  if (idx === null) return "—";
  if (v !== null && v !== undefined) return withUnit(v, unit);
  const ys = u.data[sidx];
  let i = idx;
  while (i >= 0 && ys[i] === undefined) i--;
  const held = i >= 0 ? ys[i] : null;
  return held === null || held === undefined ? "—" : withUnit(held, unit);
}

function drawBands(u: uPlot, bands: { fromX: number; toX: number; label: string }[]): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.font = scaledFont(11);
  for (const band of bands) {
    const x0 = Math.max(bbox.left, u.valToPos(band.fromX, "x", true));
    const x1 = Math.min(bbox.left + bbox.width, u.valToPos(band.toX, "x", true));
    if (x1 <= x0) continue;
    ctx.fillStyle = "rgba(78, 121, 167, 0.09)";
    ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
    ctx.fillStyle = "#4e79a7";
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(band.label, x0 + 2 * uPlot.pxRatio, bbox.top - 3 * uPlot.pxRatio, Math.max(x1 - x0 - 4, 0));
  }
  ctx.restore();
}

function drawThresholds(u: uPlot, thresholds: { y: number; label: string }[]): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.font = scaledFont(11);
  ctx.lineWidth = 1.25 * uPlot.pxRatio;
  ctx.setLineDash([6 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
  for (const t of thresholds) {
    const y = u.valToPos(t.y, "y", true);
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.strokeStyle = "#c2410c";
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.fillStyle = "#c2410c";
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText(t.label, bbox.left + bbox.width - 4 * uPlot.pxRatio, y - 2 * uPlot.pxRatio);
  }
  ctx.restore();
}

function drawMark(u: uPlot): void {
  if (mark.x === null) return;
  const { ctx, bbox } = u;
  const x = u.valToPos(mark.x, "x", true);
  if (x < bbox.left || x > bbox.left + bbox.width) return;
  ctx.save();
  ctx.strokeStyle = ink;
  ctx.lineWidth = 1.5 * uPlot.pxRatio;
  ctx.setLineDash([2 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
  ctx.beginPath();
  ctx.moveTo(x, bbox.top);
  ctx.lineTo(x, bbox.top + bbox.height);
  ctx.stroke();
  if (mark.label) {
    ctx.font = scaledFont(11);
    // Set every text property: uPlot leaves the context as its axes last used it.
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    const width = ctx.measureText(mark.label).width;
    // Flipped to the line's left near the right edge, so it is never cut off.
    const right = x + width + 8 * uPlot.pxRatio > bbox.left + bbox.width;
    const left = right ? x - width - 7 * uPlot.pxRatio : x + 3 * uPlot.pxRatio;
    // A backing so the label stays readable where it crosses a line.
    ctx.fillStyle = "rgba(255, 255, 255, 0.88)";
    ctx.fillRect(left, bbox.top + 1 * uPlot.pxRatio, width + 4 * uPlot.pxRatio, 15 * uPlot.pxRatio);
    ctx.fillStyle = ink;
    ctx.fillText(mark.label, left + 2 * uPlot.pxRatio, bbox.top + 3 * uPlot.pxRatio);
  }
  ctx.restore();
}

function scaledFont(px: number): string {
  return font.replace("12px", `${Math.round(px * uPlot.pxRatio)}px`);
}
