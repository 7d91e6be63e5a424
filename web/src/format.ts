// Numbers as a person reads them: few digits, thousands as k/M, and the unit where it belongs.

const compact = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });

/** 0.000123 → "0.000123", 1234 → "1.23k", 2500000 → "2.5M". */
export function number(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return compact.format(value / 1e9) + "G";
  if (abs >= 1e6) return compact.format(value / 1e6) + "M";
  if (abs >= 1e4) return compact.format(value / 1e3) + "k";
  if (abs >= 1) return compact.format(value);
  return value === 0 ? "0" : compact.format(value);
}

/** A value with its unit: "%" sticks to the number, other units follow a space. */
export function withUnit(value: number, unit: string): string {
  if (!unit) return number(value);
  return unit === "%" ? number(value) + "%" : `${number(value)} ${unit}`;
}

/** Seconds of simulated time as a clock from the start: "4:05", "1:02:30". */
export function clock(totalSeconds: number): string {
  const sign = totalSeconds < 0 ? "−" : "";
  let s = Math.round(Math.abs(totalSeconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, "0")}:${ss}` : `${sign}${m}:${ss}`;
}

/** Minutes with one decimal, or an em dash when the moment did not happen. */
export function minutes(value: number | null): string {
  return value === null ? "—" : `${value.toFixed(1)} min`;
}

/** A signed difference, so "+3.0 min" reads as "the simulation was 3 minutes late". */
export function signedMinutes(value: number | null): string {
  if (value === null) return "—";
  const sign = value > 0 ? "+" : value < 0 ? "−" : "±";
  return `${sign}${Math.abs(value).toFixed(1)} min`;
}
