// The timeline as a table a person can narrow down: chips toggle kinds, a menu picks a cluster, and
// clicking a row marks that moment on every chart so cause and effect line up.

import { el } from "./dom";
import { clock } from "./format";
import { kindColor } from "./palette";
import type { TimelineEntry } from "./types";

export function timeline(entries: TimelineEntry[], onPick: (entry: TimelineEntry) => void): HTMLElement {
  const section = el("section", { id: "timeline", class: "block" },
    el("h2", {}, "Timeline"));
  if (entries.length === 0) {
    section.append(el("p", { class: "empty" }, "Nothing happened worth a line."));
    return section;
  }

  // Kinds in order of first appearance, so the chips read like the story.
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const clusters = [...new Set(entries.map((e) => e.cluster))].sort();
  const hidden = new Set<string>();
  let cluster = "";

  const rows = entries.map((e) => {
    const row = el("tr", { "data-kind": e.kind, "data-cluster": e.cluster, title: `${e.timeSeconds} s: click to mark on the charts` },
      el("td", { class: "num" }, clock(e.timeSeconds)),
      el("td", {}, e.cluster),
      el("td", {}, pill(e.kind)),
      el("td", {}, e.message),
      el("td", { class: "outcome" }, e.outcome ?? ""));
    row.addEventListener("click", () => {
      for (const r of rows) r.classList.remove("picked");
      row.classList.add("picked");
      onPick(e);
    });
    return row;
  });

  const shown = el("span", { class: "count" });
  const apply = () => {
    let n = 0;
    for (let i = 0; i < rows.length; i++) {
      const visible = !hidden.has(entries[i].kind) && (cluster === "" || entries[i].cluster === cluster);
      rows[i].hidden = !visible;
      if (visible) n++;
    }
    shown.textContent = `${n} of ${entries.length} events`;
  };

  const chips = [...counts].map(([kind, count]) => {
    const chip = el("button", { type: "button", class: "chip on", "data-kind": kind, style: `--kind: ${kindColor(kind)}` },
      `${kind} `, el("span", { class: "chip-count" }, String(count)));
    chip.addEventListener("click", () => {
      if (hidden.has(kind)) hidden.delete(kind); else hidden.add(kind);
      chip.classList.toggle("on", !hidden.has(kind));
      apply();
    });
    return chip;
  });

  const filters = el("div", { class: "filters" }, ...chips);
  if (clusters.length > 1) {
    const select = el("select", { "aria-label": "Cluster" },
      el("option", { value: "" }, "All clusters"),
      ...clusters.map((c) => el("option", { value: c }, c)));
    select.addEventListener("change", () => { cluster = select.value; apply(); });
    filters.append(select);
  }
  filters.append(shown);

  const table = el("table", { class: "data timeline" },
    el("thead", {}, el("tr", {},
      el("th", { class: "num" }, "Since start"), el("th", {}, "Cluster"), el("th", {}, "Kind"),
      el("th", {}, "What happened"), el("th", {}, "Outcome"))),
    el("tbody", {}, ...rows));
  section.append(filters, el("div", { class: "scroll" }, table));
  apply();
  return section;
}

export function pill(kind: string): HTMLElement {
  return el("span", { class: "pill", style: `--kind: ${kindColor(kind)}` }, kind);
}
