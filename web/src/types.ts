// The report's data as HtmlReport embeds it: the JSON form of src/Cascade/Results/Report/ReportData.cs.
// Keep the two in step; the browser test renders a full ReportData and checks the page draws it.

export type Status = "ok" | "warn" | "bad" | null;

export interface ReportData {
  title: string;
  subtitle: string;
  kind: "run" | "replay" | "check" | "compare" | "sensitivity" | "sweep";
  generatedBy: string;
  summary: SummaryItem[];
  timeline: TimelineEntry[];
  sections: Section[];
  markers: MarkerComparison[] | null;
  matrix: Matrix | null;
  tornadoes: Tornado[] | null;
}

export interface SummaryItem { label: string; value: string; status: Status }

export interface TimelineEntry {
  timeSeconds: number;
  cluster: string;
  kind: string;
  message: string;
  outcome: string | null;
}

export interface MarkerComparison {
  name: string;
  observedMinutes: number | null;
  simulatedMinutes: number | null;
  differenceMinutes: number | null;
}

export interface Matrix { columns: string[]; rows: MatrixRow[] }
export interface MatrixRow { name: string; cells: string[]; statuses: Status[] | null }

// Sensitivity: one objective's figure with each input at its low and high value (null: never happened).
export interface Tornado { objective: string; unit: string; observed: number | null; baseline: number | null; bars: TornadoBar[] }
export interface TornadoBar { input: string; low: string; high: string; atLow: number | null; atHigh: number | null }

export interface Section { title: string; charts: Chart[] }

export interface Chart {
  id: string;
  title: string;
  yLabel: string;
  unit: string;
  kind: "line" | "step" | "area";
  series: Series[];
  thresholds: Threshold[] | null;
  bands: Band[] | null;
  xLabel: string;
}

// Y may hold "NaN"/"Infinity" strings: Results.Json writes non-finite doubles by name.
export interface Series { name: string; x: number[]; y: (number | string | null)[]; color: string | null }
export interface Threshold { y: number; label: string }
export interface Band { fromX: number; toX: number; label: string }
