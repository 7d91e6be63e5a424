// Colours. Series take a categorical palette (Tableau 10, chosen for telling lines apart, also in
// print); timeline kinds get fixed colours so "oom" is always red wherever it appears.

const series = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

export function seriesColor(index: number): string {
  return series[index % series.length];
}

const kinds: Record<string, string> = {
  rollout: "#4e79a7",
  alert: "#f28e2b",
  action: "#b07aa1",
  marker: "#6b7280",
  oom: "#e15759",
  saturation: "#d3455b",
  recovery: "#59a14f",
};

export function kindColor(kind: string): string {
  const known = kinds[kind.toLowerCase()];
  if (known) return known;
  // An unknown kind still gets the same colour every time it appears.
  let hash = 0;
  for (const ch of kind) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return seriesColor(hash);
}

/** Any CSS colour with an alpha, for fills; resolved by the canvas so names and rgb() work too. */
export function withAlpha(color: string, alpha: number): string {
  const ctx = document.createElement("canvas").getContext("2d");
  if (!ctx) return color;
  ctx.fillStyle = color;
  const resolved = ctx.fillStyle; // "#rrggbb" or "rgba(r, g, b, a)"
  if (resolved.startsWith("#")) {
    const n = parseInt(resolved.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  return resolved.replace(/rgba?\(([^,]+),([^,]+),([^,)]+)(,[^)]*)?\)/, `rgba($1,$2,$3, ${alpha})`);
}
