// Bundles web/src into dist/report.js and dist/report.css, which src/Cascade embeds and HtmlReport
// inlines into each report. Deterministic: the same sources give the same bytes (no timestamps,
// no source maps), so a report is byte-identical for the same inputs.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

// uPlot's MIT licence asks that its notice travel with the code; its ESM build carries none that
// esbuild would keep, so the bundle opens with one.
const uplot = JSON.parse(readFileSync("node_modules/uplot/package.json", "utf8"));
const notice = `/*! uPlot ${uplot.version} (c) Leon Sorokin, MIT License. The rest: Cascade's report page. */`;

await build({
  entryPoints: { report: "src/main.ts" },
  outdir: "dist",
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  banner: { js: notice, css: notice },
  legalComments: "none",
  logLevel: "warning",
});
