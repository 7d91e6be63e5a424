// A grid of outcomes (clusters × checks, scenarios × mitigations) with each cell coloured by status.

import { el } from "./dom";
import type { Matrix } from "./types";

export function matrix(m: Matrix): HTMLElement {
  const rows = m.rows.map((row) =>
    el("tr", {},
      el("th", { scope: "row" }, row.name),
      ...row.cells.map((cell, i) => el("td", { class: `cell status-${row.statuses?.[i] ?? "none"}` }, cell))));
  return el("section", { id: "matrix", class: "block" },
    el("h2", {}, "Matrix"),
    el("div", { class: "scroll" },
      el("table", { class: "data matrix" },
        el("thead", {}, el("tr", {}, el("th", {}, ""), ...m.columns.map((c) => el("th", { scope: "col" }, c)))),
        el("tbody", {}, ...rows))));
}
