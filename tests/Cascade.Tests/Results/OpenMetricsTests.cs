using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cascade.ControlPlane;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Tests.Cli;

namespace Cascade.Tests.Results;

/// <summary>Two two-minute runs of the bundled list storm: the agent on 5,000 nodes (saturating) and on 50 (healthy).</summary>
public sealed class OpenMetricsRuns
{
    /// <summary>2024-12-11T22:51:00Z, the replay's time zero (14:51 PST).</summary>
    public const long Start = 1733957460;

    public string Saturated { get; } = Write(5000);
    public string Healthy { get; } = Write(50);

    public static string Write(int nodes, long start = Start)
    {
        var scenario = ScenarioLoader.LoadFile(RunCommandTests.Repo("scenarios", "list-storm.yaml"), [$"cluster.nodes={nodes}", "duration=2m"]);
        var output = ScenarioRunner.Run(scenario, (ulong)scenario.Seed, threads: 1);
        var w = new StringWriter();
        OpenMetrics.Write(w, output.Clusters.Select(c => c.ToSamples()).ToList(), start);
        return w.ToString();
    }
}

public partial class OpenMetricsTests(OpenMetricsRuns runs) : IClassFixture<OpenMetricsRuns>
{
    /// <summary>A sample line: its series is its labels without le; <paramref name="Labels"/> has them all.</summary>
    private sealed record Sample(string Name, string Labels, string Series, string? Le, double Value, long Time);

    private static List<Sample> Samples(string text) => text.Split('\n')
        .Where(l => l.Length > 0 && l[0] != '#')
        .Select(l =>
        {
            var m = SampleLine().Match(l);
            Assert.True(m.Success, $"not a sample line: {l}");
            var labels = m.Groups["labels"].Value;
            var le = LeLabel().Match(labels);
            return new Sample(m.Groups["name"].Value, labels, LeLabel().Replace(labels, ""), le.Success ? le.Groups[1].Value : null,
                double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture));
        })
        .ToList();

    /// <summary>The last value of each series of <paramref name="name"/> whose labels contain every one of <paramref name="labels"/>.</summary>
    private static Dictionary<string, double> Last(string text, string name, params string[] labels) => Samples(text)
        .Where(s => s.Name == name && labels.All(s.Labels.Contains))
        .GroupBy(s => s.Series)
        .ToDictionary(g => g.Key, g => g.Last().Value);

    [Fact]
    public void Each_family_is_written_once_its_samples_together_under_its_type_and_the_file_ends_with_EOF()
    {
        var text = runs.Saturated;
        Assert.EndsWith("\n# EOF\n", text);
        var seen = new HashSet<string>();
        string? family = null, type = null;
        foreach (var line in text.Split('\n').Where(l => l.Length > 0 && l != "# EOF"))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                family = parts[2];
                type = parts[3];
                Assert.True(seen.Add(family), $"family {family} written twice");
                continue;
            }
            if (line.StartsWith('#')) continue;
            var name = SampleLine().Match(line).Groups["name"].Value;
            string[] allowed = type == "histogram" ? [family + "_bucket", family + "_sum", family + "_count"] : [family!];
            Assert.Contains(name, allowed);
            if (type == "counter") Assert.EndsWith("_total", name);
        }
        Assert.Contains("apiserver_flowcontrol_rejected_requests_total", seen);
        Assert.Contains("apiserver_request_duration_seconds", seen);
        Assert.Contains("coredns_dns_responses_total", seen);
    }

    [Fact]
    public void A_series_timestamps_ascend_from_the_chosen_start_one_point_per_10_s_bucket()
    {
        var samples = Samples(runs.Saturated);
        foreach (var series in samples.GroupBy(s => (s.Name, s.Series, s.Le)))
        {
            var times = series.Select(s => s.Time).ToList();
            for (int i = 1; i < times.Count; i++) Assert.True(times[i] > times[i - 1], $"{series.Key}: {times[i]} after {times[i - 1]}");
        }
        Assert.Equal(OpenMetricsRuns.Start + 10, samples.Min(s => s.Time));
        Assert.Equal(OpenMetricsRuns.Start + 120, samples.Max(s => s.Time));
        var seats = samples.Where(s => s.Name == "apiserver_flowcontrol_current_executing_seats").GroupBy(s => s.Series).First();
        Assert.Equal(12, seats.Count());
    }

    [Fact]
    public void Histograms_are_cumulative_over_le_end_at_Inf_equal_to_their_count_and_never_fall()
    {
        var samples = Samples(runs.Saturated);
        var buckets = samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(buckets);
        var counts = samples.Where(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).ToDictionary(s => (s.Name[..^6], s.Series, s.Time), s => s.Value);
        foreach (var point in buckets.GroupBy(s => (Family: s.Name[..^7], s.Series, s.Time)))
        {
            var les = point.ToList();
            Assert.Equal("+Inf", les[^1].Le);
            for (int i = 1; i < les.Count; i++)
            {
                if (les[i].Le != "+Inf") Assert.True(double.Parse(les[i].Le!, CultureInfo.InvariantCulture) > double.Parse(les[i - 1].Le!, CultureInfo.InvariantCulture));
                Assert.True(les[i].Value >= les[i - 1].Value, $"{point.Key}: le={les[i].Le} holds fewer than le={les[i - 1].Le}");
            }
            Assert.Equal(counts[(point.Key.Family, point.Key.Series, point.Key.Time)], les[^1].Value);
        }
        foreach (var series in buckets.GroupBy(s => (s.Name, s.Series, s.Le)))
            Assert.True(series.Zip(series.Skip(1)).All(p => p.Second.Value >= p.First.Value), $"{series.Key} falls");
    }

    [Fact]
    public void Counters_never_fall()
    {
        var totals = Samples(runs.Saturated).Where(s => s.Name.EndsWith("_total", StringComparison.Ordinal)).GroupBy(s => (s.Name, s.Series)).ToList();
        Assert.Contains(totals, t => t.Key.Name == "process_cpu_seconds_total" && t.Last().Value > 0);
        foreach (var series in totals)
            Assert.True(series.Zip(series.Skip(1)).All(p => p.Second.Value >= p.First.Value), $"{series.Key} falls");
    }

    [Fact]
    public void A_saturating_agent_shows_APF_rejections_in_its_priority_level_and_a_healthy_one_none()
    {
        var saturated = Last(runs.Saturated, "apiserver_flowcontrol_rejected_requests_total", "priority_level=\"workload-low\"");
        var healthy = Last(runs.Healthy, "apiserver_flowcontrol_rejected_requests_total", "priority_level=\"workload-low\"");
        Assert.Equal(4, saturated.Count);   // one series per reason
        Assert.Equal(4, healthy.Count);
        Assert.True(saturated.Values.Sum() > 0, "the saturated run shows no rejections of workload-low");
        Assert.All(healthy.Values, v => Assert.Equal(0, v));
        // The other side of the same story: 429s in apiserver_request_total, LIST latency past a second.
        Assert.True(Last(runs.Saturated, "apiserver_request_total", "verb=\"LIST\"", "code=\"429\"").Values.Sum() > 0);
        Assert.Empty(Last(runs.Healthy, "apiserver_request_total", "code=\"429\""));
        double SlowLists(string text) => Last(text, "apiserver_request_duration_seconds_count", "verb=\"LIST\"").Values.Sum() -
                                         Last(text, "apiserver_request_duration_seconds_bucket", "verb=\"LIST\"", "le=\"1\"").Values.Sum();
        Assert.True(SlowLists(runs.Saturated) > 0);
        Assert.Equal(0, SlowLists(runs.Healthy));
    }

    [Fact]
    public void The_same_run_gives_the_same_bytes()
    {
        Assert.Equal(runs.Healthy, OpenMetricsRuns.Write(50));
    }

    [Fact]
    public void An_observation_on_a_bound_counts_in_that_bound_as_Prometheus_le_does()
    {
        var h = new UpstreamHistogram([0.1, 1], rows: 2);
        h.Observe(1, 0.1);
        h.Observe(1, 0.5);
        h.Observe(1, 1.5);
        var counts = h.Take();
        Assert.Equal([1, 1, 1], Enumerable.Range(0, 3).Select(b => counts.Count(1, b)));
        Assert.Equal([0, 0, 0], Enumerable.Range(0, 3).Select(b => counts.Count(0, b)));
        Assert.Equal(2.1, counts.SumSeconds(1), 12);
        Assert.Equal(0, h.Take().Count(1, 2));   // taken: the next bucket starts empty
    }

    [PromtoolFact]
    public void Prometheus_own_tools_accept_the_file_and_load_every_sample()
    {
        Assert.True(File.Exists(PromtoolFactAttribute.PromtoolPath),
            $"{PromtoolFactAttribute.PromtoolPath} not found: the check needs Prometheus' promtool (apt-get install prometheus; .ci/run installs it)");
        var dir = Path.Combine(Path.GetTempPath(), "cascade-promtool-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "metrics.om");
            File.WriteAllText(file, runs.Saturated);

            var (lintCode, lintOut) = Promtool(["check", "metrics"], stdin: runs.Saturated);
            Assert.True(lintCode == 0 && lintOut.Trim().Length == 0, $"promtool check metrics: exit {lintCode}\n{lintOut}");

            var (code, output) = Promtool(["tsdb", "create-blocks-from", "openmetrics", file, Path.Combine(dir, "blocks")]);
            Assert.True(code == 0, $"promtool tsdb create-blocks-from openmetrics: exit {code}\n{output}");
            // The backfill drops out-of-order samples without failing: every sample written must be in the blocks.
            long loaded = BlockRow().Matches(output).Sum(m => long.Parse(m.Groups["samples"].Value, CultureInfo.InvariantCulture));
            Assert.Equal(Samples(runs.Saturated).Count, loaded);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Code, string Output) Promtool(string[] args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(PromtoolFactAttribute.PromtoolPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        Assert.True(p.WaitForExit(120_000), "promtool did not finish in 2 minutes");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>[^}]*)\} (?<value>\S+) (?<time>-?\d+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@",le=""([^""]*)""")]
    private static partial Regex LeLabel();

    // promtool's table: ULID, min time, max time, duration, samples, chunks, series, size.
    [GeneratedRegex(@"^[0-9A-Z]{26}\s+\d+\s+\d+\s+\S+\s+(?<samples>\d+)\s", RegexOptions.Multiline)]
    private static partial Regex BlockRow();
}
