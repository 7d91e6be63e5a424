using Cascade.Cli;
using Cascade.Scenarios;

namespace Cascade.Tests.Cli;

/// <summary>
/// A run the machine cannot hold, or that would run for days, is refused before it starts: one line naming
/// the file, the field that drives the cost, the estimate and the flag that raises the limit, exit code 2,
/// nothing written. What the line suggests is enough to admit it.
/// </summary>
[Collection("console")]
public sealed class RunGuardTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cascade-guard-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, string text)
    {
        var file = Path.Combine(dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    private const string Head = "apiVersion: cascade/v1\nkind: Scenario\nmetadata:\n  name: t\n";

    /// <summary>Ten entries of a thousand 100-node clusters each.</summary>
    private string TenThousandClusters() => Write("fleet.yaml",
        Head + "clusters:\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"  - {{name: c{i}, count: 1000}}\n")));

    /// <summary>Runs the command; asserts a one-line refusal naming FILE and FIELD, exit code 2, and no output folder; returns the line.</summary>
    private string Refused(string file, string field, params string[] args)
    {
        var outDir = Path.Combine(dir, "out");
        var (code, stdout, err) = CliTests.Run([.. args, file, "--out", outDir]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Single(err.Trim().Split('\n'));
        // Located at the field when the file writes it; a --set or a default has no line in the file.
        Assert.Matches($@"^cascade: error: {System.Text.RegularExpressions.Regex.Escape(file)}(:\d+:\d+)?: {System.Text.RegularExpressions.Regex.Escape(field)}: ", err);
        Assert.False(Directory.Exists(outDir));
        return err;
    }

    [Fact]
    public void Ten_thousand_clusters_are_refused_for_memory_naming_the_clusters_list_and_the_flag()
    {
        var err = Refused(TenThousandClusters(), "clusters", "run");
        Assert.Contains("GiB of memory", err);
        Assert.Contains("--max-memory ", err);
    }

    [Fact]
    public void A_million_day_run_is_refused_naming_the_duration()
    {
        var file = Write("long.yaml", Head + "duration: 1000000d\n");
        var err = Refused(file, "duration", "run");
        Assert.StartsWith($"cascade: error: {file}:5:11: duration: ", err);
        Assert.Contains("days on one core", err);
    }

    [Fact]
    public void A_week_at_five_thousand_nodes_is_refused_for_its_events_with_the_flag_that_admits_it()
    {
        var err = Refused(RunCommandTests.Repo("scenarios", "list-storm.yaml"), "duration", "run", "--set", "duration=7d", "--max-memory", "1000GiB");
        Assert.StartsWith($"cascade: error: {RunCommandTests.Repo("scenarios", "list-storm.yaml")}: duration: ", err); // the --set's value, not the file's line
        Assert.Contains("past the default limit of 1e9 events", err);
        var flag = Suggested(err, "--max-events");
        var scenario = ScenarioLoader.LoadFile(RunCommandTests.Repo("scenarios", "list-storm.yaml"), ["duration=7d"]);
        Assert.Null(RunGuard.Refusal(RunEstimate.Of(scenario), 1, Limits("--max-events", flag), "list-storm.yaml"));
    }

    [Fact]
    public void A_hundred_thousand_node_cluster_is_refused_where_memory_cannot_hold_it_and_admitted_with_the_flag_it_names()
    {
        var file = Write("big.yaml", Head + "cluster:\n  nodes: 100000\n");
        var err = Refused(file, "cluster.nodes", "run", "--max-memory", "1GiB");
        Assert.StartsWith($"cascade: error: {file}:6:10: cluster.nodes: ", err);
        Assert.Contains("past the --max-memory 1.0 GiB", err);
        var flag = Suggested(err, "--max-memory");
        Assert.Null(RunGuard.Refusal(RunEstimate.Of(ScenarioLoader.LoadFile(file)), 1, Limits("--max-memory", flag), file));
    }

    [Fact]
    public void Ten_thousand_clusters_are_admitted_with_the_memory_and_events_the_refusals_name()
    {
        var file = TenThousandClusters();
        var estimate = RunEstimate.Of(ScenarioLoader.LoadFile(file));
        var memory = Suggested(Refused(file, "clusters", "run"), "--max-memory");
        var events = RunGuard.Refusal(estimate, 1, Limits("--max-memory", memory), file);
        Assert.NotNull(events);
        Assert.Contains("--max-events", events.Message);
        var limits = Limits("--max-memory", memory) with { Events = Limits("--max-events", Suggested(events.Message, "--max-events")).Events, EventsGiven = true };
        Assert.Null(RunGuard.Refusal(estimate, 1, limits, file));
    }

    [Fact]
    public void Runs_at_once_share_the_memory()
    {
        var estimate = new RunEstimate(RunEstimate.ProcessBytes + 1e9, 1e6, "cluster.nodes", "cluster.nodes");
        var limits = new RunGuard.Limits(2.5e9, 1e9, MemoryGiven: true, EventsGiven: false);
        Assert.Null(RunGuard.Refusal(estimate, 2, limits, "s.yaml"));
        Assert.Contains("(3 runs at once)", RunGuard.Refusal(estimate, 3, limits, "s.yaml")!.Message);
    }

    [Fact]
    public void Compare_refuses_variants_that_together_exceed_the_memory_one_alone_fits_in()
    {
        // One run of 5,000 nodes for a minute is estimated at 113 MiB, two at once at 163 MiB.
        var file = Write("mid.yaml", Head + "duration: 1m\ncluster:\n  nodes: 5000\n");
        Assert.Null(RunGuard.Refusal(RunEstimate.Of(ScenarioLoader.LoadFile(file)), 1, Limits("--max-memory", "140MiB"), file));
        var (code, _, err) = CliTests.Run("compare", file, "--mitigations", "none", "--variant", "more-pods:cluster.podsPerNode=40",
            "--threads", "2", "--max-memory", "140MiB", "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"cascade: error: {file}:7:10: cluster.nodes: ", err);
        Assert.Contains("(2 runs at once)", err);
    }

    [Fact]
    public void Running_out_of_memory_in_a_parallel_run_is_still_known_as_out_of_memory()
    {
        Assert.True(Cascade.Cli.Cli.OutOfMemory(new AggregateException(new AggregateException(new OutOfMemoryException()))));
        Assert.False(Cascade.Cli.Cli.OutOfMemory(new AggregateException(new InvalidOperationException())));
    }

    [Theory]
    [InlineData("apiserver-restart.yaml")]
    [InlineData("daemonset-restart.yaml")]
    [InlineData("list-storm.yaml")]
    [InlineData("openai-2024-12-11.yaml")]
    public void A_bundled_scenario_is_admitted_by_default(string name)
    {
        var file = RunCommandTests.Repo("scenarios", name);
        var parse = Cascade.Cli.Cli.BuildRoot().Parse(["run", file]);
        Assert.Null(RunGuard.Refusal(RunEstimate.Of(ScenarioLoader.LoadFile(file)), 1, RunGuard.LimitsOf(parse), file));
    }

    /// <summary>The value a refusal suggests for <paramref name="flag"/>.</summary>
    private static string Suggested(string refusal, string flag)
    {
        int at = refusal.LastIndexOf(flag + " ", StringComparison.Ordinal);
        Assert.True(at >= 0, refusal);
        return refusal[(at + flag.Length + 1)..].Split(' ')[0];
    }

    /// <summary>The limits `cascade run` takes from <paramref name="flag"/> <paramref name="value"/>, through its parser.</summary>
    private static RunGuard.Limits Limits(string flag, string value)
    {
        var parse = Cascade.Cli.Cli.BuildRoot().Parse(["run", "s.yaml", flag, value]);
        Assert.Empty(parse.Errors);
        return RunGuard.LimitsOf(parse);
    }
}
