using Cascade.Samples;

namespace Cascade.Results.Report;

/// <summary>Builds the report of a run (or a replay) from its result and its measured time series.</summary>
public static class RunReport
{
    public static ReportData Build(RunResult result, IReadOnlyList<ClusterSamples> clusters, ReportKind kind, string title,
        IReadOnlyList<MarkerComparison>? markers = null, IReadOnlyList<ReportSection>? extraSections = null)
    {
        var summary = new List<SummaryItem>
        {
            new("simulated", $"{result.DurationSeconds / 60:F0} min"),
            new("clusters", $"{result.Clusters.Count}"),
        };
        int saturated = result.Clusters.Count(c => c.Apiserver.SaturatedAtSeconds is not null);
        summary.Add(new("control planes saturated", $"{saturated} of {result.Clusters.Count}", saturated > 0 ? ReportStatus.Bad : ReportStatus.Ok));
        int ooms = result.Clusters.Sum(c => c.Apiserver.Ooms);
        summary.Add(new("apiserver OOM kills", $"{ooms}", ooms > 0 ? ReportStatus.Bad : ReportStatus.Ok));
        if (result.Rollout is { } r)
            summary.Add(new("rollout reach", $"{r.ClustersReached} of {r.Clusters}" + (r.Halted ? " (halted)" : ""), r.Halted ? ReportStatus.Warn : null));
        if (result.DetectedAtSeconds is { } d) summary.Add(new("detected at", $"{d / 60:F1} min", ReportStatus.Warn));

        var timeline = result.Timeline.Select(t => new TimelineEntry(t.Time, t.Cluster, t.Kind, t.Message, OutcomeOf(t.Message))).ToList();
        var sections = new List<ReportSection>();
        var extra = extraSections ?? Array.Empty<ReportSection>();
        // Products first (what users saw), then each cluster: its API servers, then what depends on them.
        sections.AddRange(extra.Where(x => !x.Title.StartsWith("Cluster ", StringComparison.Ordinal)));
        var band = RolloutBand(result);
        foreach (var cluster in clusters)
        {
            sections.Add(ClusterSection(cluster, band));
            sections.AddRange(extra.Where(x => x.Title.StartsWith($"Cluster {cluster.Name}:", StringComparison.Ordinal)));
        }
        return new ReportData(title, $"scenario {result.Scenario}, seed {result.Seed}", kind,
            $"cascade {typeof(RunReport).Assembly.GetName().Version?.ToString(3)}, seed {result.Seed}",
            summary, timeline, sections, markers);
    }

    private static string? OutcomeOf(string message) =>
        message.Contains("succeeded", StringComparison.Ordinal) ? "succeeded"
        : message.Contains("failed", StringComparison.Ordinal) ? "failed" : null;

    private static IReadOnlyList<ChartBand>? RolloutBand(RunResult result)
    {
        var waves = result.Timeline.Where(t => t.Kind == "rollout").Select(t => t.Time / 60).ToList();
        if (waves.Count == 0) return null;
        return new[] { new ChartBand(waves.Min(), Math.Max(waves.Max(), waves.Min() + 0.5), "rollout") };
    }

    public static ReportSection ClusterSection(ClusterSamples cluster, IReadOnlyList<ChartBand>? bands)
    {
        string name = cluster.Name;
        var s = cluster.ApiServer;
        double[] x = s.Select(v => v.TimeSeconds / 60).ToArray();
        ChartSeries Series(string n, Func<ApiServerSample, double> f) =>
            new(n, x, s.Select(v => { double y = f(v); return double.IsNaN(y) ? (double?)null : y; }).ToArray());

        var charts = new List<Chart>
        {
            new($"{name}-seats", "API server seats", "seats", "", ChartKind.Line,
                new[] { Series("in use (avg)", v => v.SeatsInUse), Series("in use (max)", v => v.SeatsInUseMax), Series("available", v => v.SeatLimit) }, Bands: bands),
            new($"{name}-levels", "Seats by priority level", "seats", "", ChartKind.Line,
                Enumerable.Range(0, cluster.PriorityLevels.Count).Where(l => s.Any(v => v.SeatsByLevel[l] > 0))
                    .Select(l => Series(cluster.PriorityLevels[l], v => v.SeatsByLevel[l])).ToList(), Bands: bands),
            new($"{name}-queued", "Requests waiting in APF queues", "requests", "", ChartKind.Line,
                new[] { Series("queued", v => v.Queued) }, Bands: bands),
            new($"{name}-failures", "429s, timeouts and refused requests per 10 s", "requests", "", ChartKind.Step,
                new[]
                {
                    Series("429 queue full", v => v.RejectedQueueFull),
                    Series("429 queue wait", v => v.RejectedTimeOut),
                    Series("429 concurrency limit", v => v.RejectedConcurrencyLimit),
                    Series("429 cancelled in the queue", v => v.RejectedCancelled),
                    Series("504 timeout", v => v.TimedOut),
                    Series("unavailable", v => v.RejectedUnavailable),
                }, Bands: bands),
            new($"{name}-p99", "p99 latency by priority level", "seconds", "s", ChartKind.Line,
                Enumerable.Range(0, cluster.PriorityLevels.Count).Where(l => s.Any(v => !double.IsNaN(v.P99ByLevel[l])))
                    .Select(l => Series(cluster.PriorityLevels[l], v => v.P99ByLevel[l])).ToList(),
                new[] { new ChartThreshold(1, "1 s") }, bands),
            new($"{name}-cpu", "CPU per replica", "cores", "cores", ChartKind.Line,
                Enumerable.Range(0, cluster.ApiServerReplicaSlots).Select(r => Series($"apiserver-{r}", v => v.CpuCoresByReplica[r])).ToList(), Bands: bands),
            new($"{name}-memory", "Memory per replica", "GiB", "GiB", ChartKind.Line,
                Enumerable.Range(0, cluster.ApiServerReplicaSlots).Select(r => Series($"apiserver-{r}", v => v.MemoryBytesByReplica[r] / (1L << 30))).ToList(),
                new[] { new ChartThreshold(cluster.ApiServerMemoryLimitBytes / (double)(1L << 30), "limit") }, bands),
        };
        return new ReportSection($"Cluster {name}", charts);
    }
}
