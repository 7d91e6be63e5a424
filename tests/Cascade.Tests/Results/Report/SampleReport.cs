using Cascade.Results.Report;

namespace Cascade.Tests.Results.Report;

/// <summary>
/// A report shaped like a real replay of a control-plane outage: a telemetry DaemonSet rolls out, one
/// large cluster's API servers saturate, leases and DNS fail after it, products' error rates climb, a
/// break-glass brings it back. Made from closed-form curves, so it is the same every time.
/// </summary>
internal static class SampleReport
{
    private const double StepMinutes = 0.25;
    private const double EndMinutes = 90;

    public static ReportData Build()
    {
        var east = Cluster("prod-east-1", scale: 1.0, saturates: true);
        var west = Cluster("prod-west-2", scale: 0.45, saturates: false);
        var products = new ReportSection("Products",
        [
            new Chart("products-errors", "User-facing error rate", "errors", "%", ChartKind.Line,
            [
                Series("ChatGPT", t => 0.4 + 62 * Ramp(t, 33, 2) * (1 - Ramp(t, 72, 3)), "#e15759"),
                Series("API", t => 0.2 + 48 * Ramp(t, 34, 2.5) * (1 - Ramp(t, 70, 3)), "#4e79a7"),
                Series("Sora", t => 0.3 + 71 * Ramp(t, 32, 1.5) * (1 - Ramp(t, 74, 3)), "#59a14f"),
            ],
            Thresholds: [new ChartThreshold(5, "SLO 5%")],
            Bands: [new ChartBand(20, 41, "rollout")]),
        ]);

        return new ReportData(
            Title: "Telemetry DaemonSet rollout — replay of 11 December 2024",
            Subtitle: "3 clusters, 8,200 nodes · rollout in 3 waves · break-glass at 58 min",
            Kind: ReportKind.Replay,
            GeneratedBy: "cascade 0.1.0 · scenario openai-2024-12-11.yaml · seed 42",
            Summary:
            [
                new SummaryItem("Peak API server seats in use", "100%", ReportStatus.Bad),
                new SummaryItem("Nodes NotReady at worst", "4,212 of 5,000", ReportStatus.Bad),
                new SummaryItem("Peak DNS failure rate", "63%", ReportStatus.Bad),
                new SummaryItem("Time to recover", "47 min", ReportStatus.Warn),
                new SummaryItem("prod-west-2", "healthy throughout", ReportStatus.Ok),
                new SummaryItem("Simulated events", "18.4 M"),
            ],
            Timeline: Timeline(),
            Sections: [east, west, products],
            Markers:
            [
                new MarkerComparison("Rollout reaches prod-east-1", 20.0, 20.0, 0.0),
                new MarkerComparison("API servers saturate", 23.0, 24.5, 1.5),
                new MarkerComparison("First alert fires", 27.0, 26.25, -0.75),
                new MarkerComparison("DNS failures begin", 33.0, 35.0, 2.0),
                new MarkerComparison("Rollback attempted", 38.0, 38.0, 0.0),
                new MarkerComparison("Break-glass access", 58.0, 55.5, -2.5),
                new MarkerComparison("Error rates back under SLO", 75.0, 71.0, -4.0),
                new MarkerComparison("Second saturation (did not happen)", 81.0, null, null),
            ],
            Matrix: new ReportMatrix(["prod-east-1", "prod-west-2", "staging"],
            [
                new MatrixRow("As shipped", ["outage 47 min", "degraded 6 min", "ok"], [ReportStatus.Bad, ReportStatus.Warn, ReportStatus.Ok]),
                new MatrixRow("Smaller first wave", ["outage 31 min", "ok", "ok"], [ReportStatus.Bad, ReportStatus.Ok, ReportStatus.Ok]),
                new MatrixRow("APF limit on DaemonSet lists", ["degraded 9 min", "ok", "ok"], [ReportStatus.Warn, ReportStatus.Ok, ReportStatus.Ok]),
                new MatrixRow("DNS cache TTL 30 min", ["outage 22 min", "ok", "ok"], [ReportStatus.Bad, ReportStatus.Ok, ReportStatus.Ok]),
                new MatrixRow("Not simulated", ["—", "—", "—"]),
            ]));
    }

    private static ReportSection Cluster(string name, double scale, bool saturates)
    {
        double load(double t) => saturates ? 38 + 62 * Ramp(t, 22, 1.2) * (1 - Ramp(t, 62, 2)) : 30 + 24 * scale * Ramp(t, 30, 2) * (1 - Ramp(t, 45, 2));
        double trouble(double t) => saturates ? Ramp(t, 30, 1.5) * (1 - Ramp(t, 66, 2.5)) : 0;
        var rollout = new ChartBand(saturates ? 20 : 30, saturates ? 41 : 45, "rollout");
        return new ReportSection(name,
        [
            new Chart($"{name}-seats", "API server seats in use", "seats in use", "%", ChartKind.Area,
                [Series("all priority levels", load)],
                Thresholds: [new ChartThreshold(100, "saturated")], Bands: [rollout]),
            new Chart($"{name}-latency", "API request latency (p99)", "latency", "s", ChartKind.Line,
            [
                Series("mutating", t => 0.12 + 58 * Math.Pow(Math.Max(load(t) - 60, 0) / 40, 3)),
                Series("read-only", t => 0.05 + 30 * Math.Pow(Math.Max(load(t) - 65, 0) / 35, 3)),
            ],
            Thresholds: [new ChartThreshold(60, "client timeout")], Bands: [rollout]),
            new Chart($"{name}-rejected", "Requests rejected by APF (429)", "rejections", "req/s", ChartKind.Line,
                [Series("429s", t => 9000 * scale * Math.Max(load(t) - 92, 0) / 8)], Bands: [rollout]),
            new Chart($"{name}-ready", "Ready nodes", "nodes", "nodes", ChartKind.Step,
                [Series("Ready", t => Math.Round(5000 * scale * (1 - 0.84 * trouble(t)) / 50) * 50, "#59a14f")], Bands: [rollout]),
            new Chart($"{name}-dns", "DNS lookups failing", "failures", "%", ChartKind.Area,
                [Series("cluster DNS", t => 63 * Ramp(t, 34, 1.5) * trouble(t), "#e15759"),
                 Series("node-local cache", t => 21 * Ramp(t, 36, 2) * trouble(t), "#f28e2b", gapFrom: 50, gapTo: 56)],
                Bands: [rollout]),
        ]);
    }

    private static IReadOnlyList<TimelineEntry> Timeline() =>
    [
        new(0, "fleet", "marker", "Scenario starts: 3 clusters, 8,200 nodes, steady state"),
        new(600, "staging", "rollout", "Wave 1: telemetry DaemonSet to staging (200 nodes)", "healthy"),
        new(1200, "prod-east-1", "rollout", "Wave 2: telemetry DaemonSet to prod-east-1 (5,000 nodes)"),
        new(1380, "prod-east-1", "saturation", "API server seats at 100% on all priority levels"),
        new(1440, "prod-east-1", "oom", "kube-apiserver-2 OOM-killed (memory 31.8 GiB of 32 GiB)", "restarted after 40 s"),
        new(1620, "prod-east-1", "alert", "APIServerLatencyHigh fired (p99 mutating > 1 s for 2 min)"),
        new(1800, "prod-east-1", "marker", "Node lease renewals failing; nodes going NotReady"),
        new(1800, "prod-west-2", "rollout", "Wave 3: telemetry DaemonSet to prod-west-2 (3,000 nodes)", "held by gate"),
        new(2100, "prod-east-1", "alert", "CoreDNS SERVFAIL rate > 5%", "paged on-call"),
        new(2280, "prod-east-1", "action", "Rollback of the DaemonSet attempted", "failed: API server unreachable (429)"),
        new(2460, "prod-west-2", "saturation", "API server seats briefly at 78%", "recovered without action"),
        new(3330, "prod-east-1", "action", "Break-glass: scale API servers 3 → 6, delete DaemonSet via etcd", "succeeded"),
        new(3720, "prod-east-1", "recovery", "API server seats below 80%"),
        new(4260, "prod-east-1", "recovery", "All nodes Ready, DNS failures under 1%"),
        new(4500, "fleet", "marker", "Error rates back under SLO for all products <script>alert('not markup')</script>"),
    ];

    private static ChartSeries Series(string name, Func<double, double> f, string? color = null, double gapFrom = double.NaN, double gapTo = double.NaN)
    {
        int n = (int)(EndMinutes / StepMinutes) + 1;
        var x = new double[n];
        var y = new double?[n];
        for (int i = 0; i < n; i++)
        {
            double t = i * StepMinutes;
            x[i] = t;
            // A gap: the metrics pipeline itself lost data, which the chart must show as missing, not zero.
            y[i] = t >= gapFrom && t < gapTo ? null : Math.Round(f(t), 4);
        }
        // The last window's ratio had nothing to divide: NaN, which the page must treat as a gap too.
        y[n - 1] = double.NaN;
        return new ChartSeries(name, x, y, color);
    }

    /// <summary>A smooth step from 0 to 1 centred on <paramref name="at"/> minutes.</summary>
    private static double Ramp(double t, double at, double width) => 1 / (1 + Math.Exp(-(t - at) / width));
}
