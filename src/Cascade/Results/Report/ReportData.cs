namespace Cascade.Results.Report;

// The data model of the HTML report. Every verb (run, replay, check, compare) fills one of these and
// HtmlReport renders it; the page (web/src) draws whatever it holds, so the report knows nothing of
// the simulation. Serialised with Cascade.Json (camelCase); the page reads the same names.

/// <summary>Which verb made the report; the page shows it as a badge.</summary>
public enum ReportKind { Run, Replay, Check, Compare, Sensitivity, Sweep }

/// <summary>How a figure should be read at a glance: green, amber or red.</summary>
public enum ReportStatus { Ok, Warn, Bad }

/// <summary>Line joins points; step holds each value until the next (counts, states); area fills under a line.</summary>
public enum ChartKind { Line, Step, Area }

/// <summary>One report. <see cref="GeneratedBy"/> names the tool version and seed, never a wall-clock time,
/// so the same inputs give a byte-identical file.</summary>
public sealed record ReportData(
    string Title,
    string Subtitle,
    ReportKind Kind,
    string GeneratedBy,
    IReadOnlyList<SummaryItem> Summary,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<ReportSection> Sections,
    IReadOnlyList<MarkerComparison>? Markers = null,
    ReportMatrix? Matrix = null,
    IReadOnlyList<Tornado>? Tornadoes = null);

/// <summary>A headline figure, e.g. ("Peak API server seats in use", "100 %", Bad).</summary>
public sealed record SummaryItem(string Label, string Value, ReportStatus? Status = null);

/// <summary>Something that happened at a point in simulated time. <see cref="Kind"/> is an open set
/// (rollout, alert, action, marker, oom, saturation, ...); the page colours the kinds it knows and lets
/// the reader filter by any.</summary>
public sealed record TimelineEntry(double TimeSeconds, string Cluster, string Kind, string Message, string? Outcome = null);

/// <summary>A moment of a real incident against the same moment in the simulation (replay), in minutes
/// from the scenario's start; a side is null when that moment did not happen there.</summary>
public sealed record MarkerComparison(string Name, double? ObservedMinutes, double? SimulatedMinutes, double? DifferenceMinutes);

/// <summary>A table of outcomes, e.g. scenarios × clusters or mitigations × checks. <see cref="Columns"/>
/// head the cells; the row names' column has no heading.</summary>
public sealed record ReportMatrix(IReadOnlyList<string> Columns, IReadOnlyList<MatrixRow> Rows);

/// <summary>One row of <see cref="ReportMatrix"/>; <see cref="Statuses"/>, when given, colours each cell.</summary>
public sealed record MatrixRow(string Name, IReadOnlyList<string> Cells, IReadOnlyList<ReportStatus?>? Statuses = null);

/// <summary>One objective's tornado (sensitivity): how far each input, at its low and its high value, moves
/// one figure from its <see cref="Baseline"/> (in <see cref="Unit"/>: "min" for a replay's markers).
/// Bars come largest swing first. A null figure did not happen in that run (a marker that became "never").</summary>
public sealed record Tornado(string Objective, string Unit, double? Observed, double? Baseline, IReadOnlyList<TornadoBar> Bars);

/// <summary>One input's bar: the figure with the input at <see cref="Low"/> and at <see cref="High"/>.</summary>
public sealed record TornadoBar(string Input, string Low, string High, double? AtLow, double? AtHigh);

/// <summary>A group of charts under one heading: a cluster's name, "Products", "Fleet".</summary>
public sealed record ReportSection(string Title, IReadOnlyList<Chart> Charts);

/// <summary>One chart. X values are in <see cref="XLabel"/>'s unit (minutes of simulated time unless
/// said otherwise); <see cref="Unit"/> is the Y unit the page appends to values ("%", "s", "req/s").</summary>
public sealed record Chart(
    string Id,
    string Title,
    string YLabel,
    string Unit,
    ChartKind Kind,
    IReadOnlyList<ChartSeries> Series,
    IReadOnlyList<ChartThreshold>? Thresholds = null,
    IReadOnlyList<ChartBand>? Bands = null,
    string XLabel = "minutes");

/// <summary>One line. <see cref="X"/> and <see cref="Y"/> have the same length; a null Y is a gap (no
/// data there), not a zero; so is NaN. <see cref="Color"/> is any CSS colour; null takes the next of the palette.</summary>
public sealed record ChartSeries(string Name, double[] X, double?[] Y, string? Color = null);

/// <summary>A horizontal line worth seeing data cross: a limit, an SLO, a saturation point.</summary>
public sealed record ChartThreshold(double Y, string Label);

/// <summary>A shaded span of X, e.g. the rollout window or the time an alert was firing.</summary>
public sealed record ChartBand(double FromX, double ToX, string Label);
