using System.Text.Json;
using Cascade.Cli;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Cli;

[Collection("console")]
public class SensitivityCommandTests
{
    [Theory]
    [InlineData("cluster.nodez=50..100", "nodez")]
    [InlineData("cluster.nodes=5m..", "TO")]
    [InlineData("cluster.nodes=5m..20m", "cluster.nodes")]
    [InlineData("cluster.dns.recordTtl=a..b", "recordTtl")]
    public void A_bad_vary_is_one_located_line_and_exit_code_2(string vary, string named)
    {
        var (code, _, err) = CliTests.Run("sensitivity", PreflightFixtures.ListStorm, "--vary", vary, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--vary", err);
        Assert.Contains(named, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void The_json_is_the_same_bytes_with_one_thread_or_two()
    {
        var path = SensitivityFixture.File();
        var one = CliTests.Run("sensitivity", path, "--vary", "cluster.dns.recordTtl=2m..8m", "--threads", "1", "-o", "json", "-q");
        var two = CliTests.Run("sensitivity", path, "--vary", "cluster.dns.recordTtl=2m..8m", "--threads", "2", "-o", "json", "-q");
        Assert.Equal(0, one.Code);
        Assert.Equal(one.Out, two.Out);
        using var doc = JsonDocument.Parse(one.Out);
        var input = doc.RootElement.GetProperty("inputs")[0];
        Assert.Equal("cluster.dns.recordTtl", input.GetProperty("name").GetString());
        foreach (var field in new[] { "objective", "baseline", "atLow", "atHigh", "delta", "swing", "never" })
            Assert.True(input.GetProperty("effects")[0].TryGetProperty(field, out _), field);
    }

    [Fact]
    public void Replay_sensitivity_runs_the_declared_unknowns_and_draws_the_tornado_in_the_report()
    {
        var path = SensitivityFixture.File();
        var dir = Path.GetDirectoryName(path)!;
        var report = Path.Combine(dir, "report.html");
        var (code, stdout, err) = CliTests.Run("replay", path, "--sensitivity", "--out", Path.Combine(dir, "out"), "--report", report);
        Assert.True(code == 0, err);
        Assert.Contains("DNS TTL", stdout);
        Assert.Contains("description", stdout);
        Assert.Contains("no input moves it", stdout);
        Assert.Contains("(observed ", stdout); // each marker is named with the write-up's minute
        Assert.True(File.Exists(Path.Combine(dir, "out", "sensitivity.json")));
        Assert.Contains("\"tornadoes\":[{", File.ReadAllText(report));
    }

    [Fact]
    public void Replay_sensitivity_without_unknowns_is_bad_input()
    {
        var path = PreflightFixtures.TempFile("no-unknowns.yaml");
        File.WriteAllText(path, SensitivityFixture.Yaml[..SensitivityFixture.Yaml.IndexOf("  unknowns:", StringComparison.Ordinal)]);
        var (code, _, err) = CliTests.Run("replay", path, "--sensitivity", "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("replay.unknowns", err);
    }
}
