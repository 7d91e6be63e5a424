// The top of the page: what this report is and its headline figures, coloured by status.

import { el } from "./dom";
import type { ReportData } from "./types";

export function header(data: ReportData): HTMLElement {
  const cards = data.summary.map((item) =>
    el("div", { class: `card status-${item.status ?? "none"}` },
      el("div", { class: "card-label" }, item.label),
      el("div", { class: "card-value" }, item.value)));
  return el("header", { class: "hero" },
    el("div", { class: "hero-top" },
      el("span", { class: `badge kind-${data.kind}` }, data.kind),
      el("h1", {}, data.title)),
    data.subtitle ? el("p", { class: "subtitle" }, data.subtitle) : null,
    cards.length ? el("div", { class: "cards" }, ...cards) : null);
}
