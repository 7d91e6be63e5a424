using System.Text.Json;
using Cascade.Cli;

namespace Cascade.Tests.Cli;

[Collection("console")]
public class RunCommandTests : IDisposable
{
    private readonly TempFiles _temp = new();

    public void Dispose() => _temp.Dispose();

    internal static string Repo(params string[] parts)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Cascade.slnx"))) dir = Path.GetDirectoryName(dir);
        return Path.Combine(new[] { dir ?? "." }.Concat(parts).ToArray());
    }

    [Fact]
    public void Run_writes_result_json_and_timeseries_csv_for_the_bundled_list_storm()
    {
        var outDir = _temp.Path();
        var (code, stdout, _) = CliTests.Run("run", Repo("scenarios", "list-storm.yaml"), "--set", "cluster.nodes=50", "--set", "duration=5m", "--out", outDir, "-o", "json", "-q");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "result.json")));
        var cluster = doc.RootElement.GetProperty("clusters")[0];
        Assert.Equal(50, cluster.GetProperty("nodes").GetInt32());
        var api = cluster.GetProperty("apiserver");
        Assert.Equal(JsonValueKind.Null, api.GetProperty("saturatedAtSeconds").ValueKind);
        foreach (var f in new[] { "issued", "completed", "rejected", "timedOut", "inFlight" })
            Assert.True(api.GetProperty("requests").TryGetProperty(f, out _), f);
        Assert.True(api.TryGetProperty("peakSeatUtilization", out _));
        Assert.True(api.TryGetProperty("ooms", out _));
        var csv = File.ReadAllLines(Path.Combine(outDir, "timeseries.csv"));
        Assert.StartsWith("timeSeconds,cluster,", csv[0]);
        Assert.Equal(1 + 30, csv.Length); // 5 minutes of 10 s buckets
        Assert.Equal(stdout, File.ReadAllText(Path.Combine(outDir, "result.json")));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(outDir, ".*")));
    }

    [Fact]
    public void An_output_directory_that_cannot_be_written_is_bad_input_naming_it()
    {
        // A file where the output directory should be: nothing can be created below it.
        var blocker = _temp.Write("not a directory", "");
        var (code, _, err) = CliTests.Run("run", Repo("scenarios", "list-storm.yaml"), "--set", "cluster.nodes=50", "--set", "duration=1m", "--out", Path.Combine(blocker, "out"), "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("cannot write", err);
        Assert.Contains(blocker, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_mistake_in_the_scenario_names_file_line_and_field_and_exits_with_2()
    {
        var file = _temp.Write("apiVersion: cascade/v1\nkind: Scenario\ncluster:\n  nodes: lots\n", ".yaml");
        var (code, _, err) = CliTests.Run("run", file, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{file}:4:", err);
        Assert.Contains("cluster.nodes", err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void A_bad_override_is_reported_as_such_and_exits_with_2()
    {
        var (code, _, err) = CliTests.Run("run", Repo("scenarios", "list-storm.yaml"), "--set", "cluster.nodez=5");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--set", err);
        Assert.Contains("nodes", err);
    }

    [Fact]
    public void A_missing_scenario_file_is_bad_input()
    {
        var (code, _, err) = CliTests.Run("run", "/nonexistent/scenario.yaml");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("/nonexistent/scenario.yaml", err);
    }
}
