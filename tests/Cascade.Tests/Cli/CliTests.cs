using System.Text.Json;
using Cascade.Cli;

namespace Cascade.Tests.Cli;

/// <summary>The command line as a user meets it: exit codes, one-line errors, machine output.</summary>
[Collection("console")]
public class CliTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var oldOut = Console.Out;
        var oldErr = Console.Error;
        var o = new StringWriter();
        var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            int code = Cascade.Cli.Cli.Run(args);
            return (code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public void An_unknown_verb_is_a_one_line_error_with_exit_code_2()
    {
        var (code, _, err) = Run("frobnicate");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("frobnicate", err);
    }

    [Fact]
    public void A_bad_flag_value_is_a_one_line_error_with_exit_code_2()
    {
        var (code, _, err) = Run("bench", "kernel", "--servers", "many");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        var (code2, _, err2) = Run("bench", "kernel", "--utilization", "1.5");
        Assert.Equal(ExitCodes.BadInput, code2);
        Assert.Contains("--utilization", err2);
    }

    /// <summary>Runs the CLI, which must succeed, and returns what it printed as JSON.</summary>
    private static JsonElement RunJson(params string[] args)
    {
        var (code, stdout, err) = Run(args);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Bench_kernel_prints_one_json_object_with_the_promised_fields()
    {
        var root = RunJson("bench", "kernel", "--customers", "20000", "-o", "json");
        foreach (var field in new[] { "customers", "servers", "utilization", "wallSeconds", "customersPerSecond", "eventsPerSecond", "meanWait", "erlangCMeanWait" })
            Assert.True(root.TryGetProperty(field, out _), field);
        Assert.Equal(20000, root.GetProperty("customers").GetInt64());
        Assert.Equal(4, root.GetProperty("servers").GetInt32());
        Assert.Equal(40000, root.GetProperty("events").GetInt64());
    }

    [Fact]
    public void Bench_cluster_warms_up_on_the_measured_cluster_no_longer_than_the_timed_run_and_says_so()
    {
        var root = RunJson("bench", "cluster", "--nodes", "50", "--hours", "0.01", "-o", "json");
        Assert.Equal(50, root.GetProperty("nodes").GetInt32());
        Assert.Equal(3, root.GetProperty("warmUpRuns").GetInt32());
        Assert.Equal(36, root.GetProperty("warmUpSimulatedSeconds").GetDouble(), 9);   // 0.01 h, not ten minutes
        Assert.True(root.GetProperty("events").GetInt64() > 0);
        Assert.True(root.GetProperty("wallSeconds").GetDouble() > 0);
        Assert.Equal(3, root.GetProperty("runs").GetInt32());   // by default the budget's min / median of three
        Assert.Equal(3, root.GetProperty("wallSecondsEach").GetArrayLength());
    }

    [Fact]
    public void Bench_cluster_times_its_runs_one_after_another_and_reports_the_fastest_and_the_median()
    {
        var root = RunJson("bench", "cluster", "--nodes", "50", "--hours", "0.005", "--runs", "3", "-o", "json");
        var each = root.GetProperty("wallSecondsEach").EnumerateArray().Select(w => w.GetDouble()).ToList();
        Assert.Equal((3, 3), (root.GetProperty("runs").GetInt32(), each.Count));
        Assert.Equal(each.Min(), root.GetProperty("wallSeconds").GetDouble());
        Assert.Equal(each.Order().ElementAt(1), root.GetProperty("wallSecondsMedian").GetDouble());
        Assert.True(root.GetProperty("identical").GetBoolean());
        Assert.Equal(root.GetProperty("events").GetInt64() / each.Min(), root.GetProperty("eventsPerSecond").GetDouble(), 6);
        var (code, _, err) = Run("bench", "cluster", "--nodes", "50", "--runs", "0");
        Assert.Equal((2, "cascade: error: --runs: must be at least 1"), (code, err.Trim()));
    }

    [Fact]
    public void Bench_cluster_takes_hours_that_are_no_whole_number_of_microseconds_and_refuses_less_than_one_in_one_line()
    {
        // 0.0003 h × 3600 is 1.0799999999999998 s in floating point: timed to the microsecond, not refused.
        var root = RunJson("bench", "cluster", "--nodes", "50", "--hours", "0.0003", "-o", "json");
        Assert.Equal(1.08, root.GetProperty("warmUpSimulatedSeconds").GetDouble(), 9);
        Assert.True(root.GetProperty("events").GetInt64() > 0);
        var (code, stdout, err) = Run("bench", "cluster", "--nodes", "50", "--hours", "1e-12");
        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal("cascade: error: --hours: must be positive (at least a microsecond)", err.Trim());
    }

    [Fact]
    public void Bench_replay_times_each_run_says_whether_they_agree_and_holds_only_the_bundled_replay_to_the_budget()
    {
        var root = RunJson("bench", "replay", "--runs", "2", "--threads", "1", "--set", "duration=1m", "-o", "json");
        Assert.Equal("openai-2024-12-11", root.GetProperty("scenario").GetString());
        Assert.Equal(2, root.GetProperty("runs").GetInt32());
        var wall = root.GetProperty("wallSeconds").EnumerateArray().Select(w => w.GetDouble()).ToList();
        Assert.Equal(2, wall.Count);
        Assert.Equal(2, root.GetProperty("cpuSeconds").GetArrayLength());
        Assert.Equal(wall.Min(), root.GetProperty("wallSecondsMin").GetDouble());
        Assert.Equal(wall.Average(), root.GetProperty("wallSecondsMedian").GetDouble(), 9);
        Assert.True(root.GetProperty("identical").GetBoolean());
        Assert.True(root.GetProperty("events").GetInt64() > 100_000);
        Assert.True(root.GetProperty("peakWorkingSetBytes").GetInt64() > 0);
        Assert.Equal(10, root.GetProperty("budgetWallSeconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("withinBudget").ValueKind);
    }

    [Fact]
    public void Bench_compare_times_the_comparison_and_counts_the_runs_it_made()
    {
        var root = RunJson("bench", "compare", "--set", "duration=1m", "--mitigations", "health-gate,health-gate+break-glass", "-o", "json");
        Assert.Equal(3, root.GetProperty("rows").GetInt32());
        Assert.Equal(2, root.GetProperty("runsMade").GetInt32());      // health-gate+break-glass is health-gate's run
        // The runs made, dearest first, each with what it simulated.
        var byEvents = root.GetProperty("runsByEvents").EnumerateArray().Select(r => (r.GetProperty("variant").GetString(), r.GetProperty("events").GetInt64())).ToList();
        Assert.Equal(["baseline", "health-gate"], byEvents.Select(r => r.Item1).Order());
        Assert.True(byEvents[0].Item2 >= byEvents[1].Item2 && byEvents[1].Item2 > 0, string.Join(", ", byEvents));
        Assert.Equal(1, root.GetProperty("wallSeconds").GetArrayLength());
        Assert.Equal(60, root.GetProperty("budgetWallSeconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("withinBudget").ValueKind);
    }

    [Theory]
    [InlineData("replay")]
    [InlineData("compare")]
    public void Bench_runs_below_one_is_a_one_line_error(string what)
    {
        var (code, _, err) = Run("bench", what, "--runs", "0");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--runs", err);
    }

    [Fact]
    public void Help_lists_the_verbs_and_the_exit_codes()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("bench", stdout);
        Assert.Contains("Exit codes", stdout);
    }
}

/// <summary>Tests that swap Console.Out run alone: any other test writing to the console meanwhile would pollute what they read.</summary>
[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection;
