using Cascade.Results;
using Cascade.Results.Report;
using Cascade.Samples;
using EngineTimeline = Cascade.Engine.TimelineEntry;

namespace Cascade.Tests.Results.Report;

/// <summary>The run report's data built from a hand-made result and hand-made samples (no simulation).</summary>
public class RunReportTests
{
    private static ClusterResult Cluster(string name, double? saturated = null, int ooms = 0) =>
        new() { Name = name, Apiserver = new ApiServerResult { SaturatedAtSeconds = saturated, Ooms = ooms } };

    private static ApiServerSample Sample(double t, double seatsLow, double p99Low) => new()
    {
        TimeSeconds = t, SeatsInUse = 4, SeatsInUseMax = 6, SeatLimit = double.NaN, Queued = 2,
        RejectedQueueFull = 1, RejectedTimeOut = 2, RejectedConcurrencyLimit = 3, TimedOut = 4, RejectedUnavailable = 5, RejectedCancelled = 6,
        SeatsByLevel = [0, seatsLow, 1], P99ByLevel = [double.NaN, p99Low, double.NaN],
        CpuCoresByReplica = [1.5, 0.5], MemoryBytesByReplica = [1L << 30, 3L << 29],
    };

    private static ClusterSamples Samples(string name) =>
        new(name, ["exempt", "low", "high"], 2, [Sample(30, 0, double.NaN), Sample(90, 2, 0.5)], null) { ApiServerMemoryLimitBytes = 3L << 30 };

    private static SummaryItem Item(ReportData d, string label) => Assert.Single(d.Summary, s => s.Label == label);

    [Fact]
    public void The_summary_counts_saturated_clusters_and_ooms_and_marks_them_bad_only_when_there_are_some()
    {
        var healthy = new RunResult { Scenario = "s", Seed = 7, DurationSeconds = 1770, Clusters = [Cluster("a"), Cluster("b")] };
        var d = RunReport.Build(healthy, [], ReportKind.Run, "title");
        Assert.Equal(["simulated", "clusters", "control planes saturated", "apiserver OOM kills"], d.Summary.Select(s => s.Label));
        Assert.Equal(new SummaryItem("simulated", "30 min"), Item(d, "simulated"));
        Assert.Equal(new SummaryItem("clusters", "2"), Item(d, "clusters"));
        Assert.Equal(new SummaryItem("control planes saturated", "0 of 2", ReportStatus.Ok), Item(d, "control planes saturated"));
        Assert.Equal(new SummaryItem("apiserver OOM kills", "0", ReportStatus.Ok), Item(d, "apiserver OOM kills"));

        var sick = new RunResult { DurationSeconds = 600, Clusters = [Cluster("a", saturated: 10, ooms: 2), Cluster("b", ooms: 1), Cluster("c", saturated: 0)] };
        d = RunReport.Build(sick, [], ReportKind.Run, "title");
        Assert.Equal(new SummaryItem("control planes saturated", "2 of 3", ReportStatus.Bad), Item(d, "control planes saturated"));
        Assert.Equal(new SummaryItem("apiserver OOM kills", "3", ReportStatus.Bad), Item(d, "apiserver OOM kills"));
    }

    [Fact]
    public void A_rollout_and_a_detection_add_their_lines_halted_as_a_warning()
    {
        var result = new RunResult
        {
            Rollout = new RolloutResult { ClustersReached = 2, Clusters = 5, Halted = true },
            DetectedAtSeconds = 336,
        };
        var d = RunReport.Build(result, [], ReportKind.Replay, "t");
        Assert.Equal(new SummaryItem("rollout reach", "2 of 5 (halted)", ReportStatus.Warn), Item(d, "rollout reach"));
        Assert.Equal(new SummaryItem("detected at", "5.6 min", ReportStatus.Warn), Item(d, "detected at"));

        d = RunReport.Build(new RunResult { Rollout = new RolloutResult { ClustersReached = 5, Clusters = 5 } }, [], ReportKind.Run, "t");
        Assert.Equal(new SummaryItem("rollout reach", "5 of 5"), Item(d, "rollout reach"));
        Assert.DoesNotContain(d.Summary, s => s.Label == "detected at");
    }

    [Fact]
    public void The_header_names_scenario_seed_kind_title_and_markers_and_the_timeline_carries_each_entrys_outcome()
    {
        var markers = new[] { new MarkerComparison("m", 1, 2, 1) };
        var result = new RunResult
        {
            Scenario = "list-storm", Seed = 42,
            Timeline =
            [
                new EngineTimeline(10, "a", "action", "restart succeeded"),
                new EngineTimeline(20, "b", "action", "scale failed"),
                new EngineTimeline(30, "", "alert", "fired"),
            ],
        };
        var d = RunReport.Build(result, [], ReportKind.Check, "My title", markers);
        Assert.Equal("My title", d.Title);
        Assert.Equal("scenario list-storm, seed 42", d.Subtitle);
        Assert.Equal(ReportKind.Check, d.Kind);
        Assert.StartsWith("cascade ", d.GeneratedBy);
        Assert.EndsWith(", seed 42", d.GeneratedBy);
        Assert.Same(markers, d.Markers);
        Assert.Equal(
        [
            new TimelineEntry(10, "a", "action", "restart succeeded", "succeeded"),
            new TimelineEntry(20, "b", "action", "scale failed", "failed"),
            new TimelineEntry(30, "", "alert", "fired", null),
        ], d.Timeline);
    }

    [Fact]
    public void Sections_put_fleet_wide_extras_first_then_each_cluster_followed_by_its_own_extras()
    {
        var extra = new[]
        {
            new ReportSection("Cluster b: DNS", []),
            new ReportSection("Products", []),
            new ReportSection("Cluster a: nodes", []),
            new ReportSection("Cluster ab: nodes", []),
        };
        var d = RunReport.Build(new RunResult(), [Samples("a"), Samples("b")], ReportKind.Run, "t", extraSections: extra);
        Assert.Equal(["Products", "Cluster a", "Cluster a: nodes", "Cluster b", "Cluster b: DNS"], d.Sections.Select(s => s.Title));
    }

    [Fact]
    public void The_rollout_band_spans_the_rollout_entries_at_least_half_a_minute_on_every_chart()
    {
        var result = new RunResult
        {
            Timeline = [new EngineTimeline(600, "a", "rollout", "wave 1"), new EngineTimeline(60, "a", "alert", "x"), new EngineTimeline(1200, "b", "rollout", "wave 2")],
        };
        var d = RunReport.Build(result, [Samples("a")], ReportKind.Run, "t");
        Assert.All(d.Sections[0].Charts, c => Assert.Equal([new ChartBand(10, 20, "rollout")], c.Bands!));

        var one = new RunResult { Timeline = [new EngineTimeline(600, "a", "rollout", "wave 1")] };
        d = RunReport.Build(one, [Samples("a")], ReportKind.Run, "t");
        Assert.Equal([new ChartBand(10, 10.5, "rollout")], d.Sections[0].Charts[0].Bands!);

        d = RunReport.Build(new RunResult(), [Samples("a")], ReportKind.Run, "t");
        Assert.All(d.Sections[0].Charts, c => Assert.Null(c.Bands));
    }

    [Fact]
    public void A_clusters_section_charts_its_api_servers_in_minutes_with_gaps_for_NaN()
    {
        var s = RunReport.ClusterSection(Samples("east"), null);
        Assert.Equal("Cluster east", s.Title);
        Assert.Equal(["east-seats", "east-levels", "east-queued", "east-failures", "east-p99", "east-cpu", "east-memory"], s.Charts.Select(c => c.Id));
        Assert.All(s.Charts, c => Assert.All(c.Series, x => Assert.Equal([0.5, 1.5], x.X)));

        var seats = s.Charts[0];
        Assert.Equal(("API server seats", "seats", "", ChartKind.Line), (seats.Title, seats.YLabel, seats.Unit, seats.Kind));
        Assert.Equal(["in use (avg)", "in use (max)", "available"], seats.Series.Select(x => x.Name));
        Assert.Equal([4.0, 4.0], seats.Series[0].Y);
        Assert.Equal([6.0, 6.0], seats.Series[1].Y);
        Assert.Equal([null, null], seats.Series[2].Y); // NaN is a gap

        // Only levels that ever held a seat: not exempt (always 0).
        var levels = s.Charts[1];
        Assert.Equal(["low", "high"], levels.Series.Select(x => x.Name));
        Assert.Equal([0.0, 2.0], levels.Series[0].Y);
        Assert.Equal([1.0, 1.0], levels.Series[1].Y);

        Assert.Equal([2.0, 2.0], Assert.Single(s.Charts[2].Series).Y);

        var failures = s.Charts[3];
        Assert.Equal(ChartKind.Step, failures.Kind);
        Assert.Equal(["429 queue full", "429 queue wait", "429 concurrency limit", "429 cancelled in the queue", "504 timeout", "unavailable"], failures.Series.Select(x => x.Name));
        Assert.Equal([1.0, 2.0, 3.0, 6.0, 4.0, 5.0], failures.Series.Select(x => x.Y[0]!.Value));

        // Only levels with a p99 somewhere; the 1 s line drawn.
        var p99 = s.Charts[4];
        Assert.Equal(("s", "seconds"), (p99.Unit, p99.YLabel));
        var low = Assert.Single(p99.Series);
        Assert.Equal("low", low.Name);
        Assert.Equal([null, 0.5], low.Y);
        Assert.Equal([new ChartThreshold(1, "1 s")], p99.Thresholds!);

        var cpu = s.Charts[5];
        Assert.Equal(["apiserver-0", "apiserver-1"], cpu.Series.Select(x => x.Name));
        Assert.Equal([1.5, 1.5], cpu.Series[0].Y);
        Assert.Equal([0.5, 0.5], cpu.Series[1].Y);

        var memory = s.Charts[6];
        Assert.Equal("GiB", memory.Unit);
        Assert.Equal([1.0, 1.0], memory.Series[0].Y);
        Assert.Equal([1.5, 1.5], memory.Series[1].Y);
        Assert.Equal([new ChartThreshold(3, "limit")], memory.Thresholds!);
    }
}
