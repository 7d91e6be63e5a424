using System.Text.Json;
using System.Xml.Linq;
using Cascade.Cli;
using Cascade.Tests.Cli;

namespace Cascade.Tests.Preflight;

/// <summary>`cascade check` as CI meets it: verdicts with evidence, exit codes, a JUnit report.</summary>
[Collection("console")]
public class PreflightCheckTests
{
    private static (int Code, JsonElement Json) Check(params string[] extra)
    {
        var (code, stdout, err) = CliTests.Run(["check", PreflightFixtures.ListStorm, "--set", "duration=10m", "-o", "json", "-q", .. extra]);
        Assert.True(stdout.Length > 0, err);
        return (code, JsonDocument.Parse(stdout).RootElement.Clone());
    }

    private static IEnumerable<JsonElement> Verdicts(JsonElement check, string objective) =>
        check.GetProperty("verdicts").EnumerateArray().Where(v => v.GetProperty("objective").GetString() == objective);

    [Fact]
    public void Check_passes_the_list_storm_agent_at_50_nodes_and_fails_it_at_5000_naming_the_saturated_cluster()
    {
        var (small, smallJson) = Check("--set", "cluster.nodes=50");
        Assert.Equal(ExitCodes.Ok, small);
        Assert.True(smallJson.GetProperty("passed").GetBoolean());

        var (large, largeJson) = Check("--set", "cluster.nodes=5000");
        Assert.Equal(ExitCodes.ObjectiveFailed, large);
        var saturation = Assert.Single(Verdicts(largeJson, "apiServerSaturation"));
        Assert.Equal("prod", saturation.GetProperty("subject").GetString());
        Assert.Equal("fail", saturation.GetProperty("status").GetString());
        Assert.Contains("saturated at", saturation.GetProperty("evidence").GetString());
        Assert.True(saturation.GetProperty("margin").GetDouble() < 0);
        Assert.True(saturation.GetProperty("atSeconds").GetDouble() > 0);
    }

    [Fact]
    public void An_objective_with_nothing_to_judge_passes_and_says_why()
    {
        var (_, json) = Check("--set", "cluster.nodes=50", "--set", "products=[]");
        var budget = Assert.Single(Verdicts(json, "errorBudget"));
        Assert.Equal("pass", budget.GetProperty("status").GetString());
        Assert.Equal("no products in scenario", budget.GetProperty("evidence").GetString());
        Assert.Equal("no rollout in scenario", Assert.Single(Verdicts(json, "rolloutReach")).GetProperty("evidence").GetString());
    }

    [Fact]
    public void Disabled_objectives_are_not_judged_and_then_a_saturating_cluster_passes_the_rest()
    {
        var (code, json) = Check("--set", "cluster.nodes=5000", "--set", "objectives.apiServerSaturation.enabled=false", "--set", "objectives.recovery.within=1h");
        Assert.Empty(Verdicts(json, "apiServerSaturation"));
        // Recovery still fails: the API server never recovers within the run, whatever the limit.
        Assert.Equal(ExitCodes.ObjectiveFailed, code);
        Assert.Contains("not recovered", Assert.Single(Verdicts(json, "recovery")).GetProperty("evidence").GetString());
    }

    [Fact]
    public void The_junit_report_has_one_test_case_per_objective_and_cluster_and_a_failure_for_each_broken_one()
    {
        var path = PreflightFixtures.TempFile("check.xml");
        var (_, json) = Check("--set", "cluster.nodes=5000", "--junit", path);
        var doc = XDocument.Load(path);
        var cases = doc.Descendants("testcase").ToList();
        // list-storm's 7 products each have an error budget; one cluster has a saturation and a recovery verdict.
        Assert.Equal(json.GetProperty("verdicts").GetArrayLength(), cases.Count);
        Assert.Equal(7, cases.Count(c => c.Attribute("name")!.Value.StartsWith("errorBudget [", StringComparison.Ordinal)));
        var failed = cases.Where(c => c.Element("failure") is not null).Select(c => c.Attribute("name")!.Value).ToList();
        Assert.Equal(["apiServerSaturation [prod]", "recovery [prod]"], failed);
        Assert.Equal("2", doc.Root!.Attribute("failures")!.Value);
        var first = File.ReadAllText(path);
        Check("--set", "cluster.nodes=5000", "--junit", path);
        Assert.Equal(first, File.ReadAllText(path));
    }

    [Fact]
    public void Bad_input_to_the_preflight_verbs_exits_2_with_one_line()
    {
        foreach (var args in new[]
        {
            new[] { "check", "no-such-file.yaml" },
            ["compare", PreflightFixtures.ListStorm, "--mitigations", "prayer"],
            ["cliff", PreflightFixtures.ListStorm, "--vary", "cluster.nodes=50"],
            ["cliff", PreflightFixtures.ListStorm, "--vary", "cluster.nodez=50..100"],
            ["compare", PreflightFixtures.ListStorm, "--variant", "big"],
        })
        {
            var (code, _, err) = CliTests.Run(args);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Single(err.Trim().Split('\n'));
        }
    }

    [Fact]
    public void The_tables_print_any_path_and_the_html_reports_carry_the_verdicts_and_the_matrix()
    {
        var (code, stdout, err) = CliTests.Run("cliff", PreflightFixtures.ListStorm, "--vary", "workloads[0].calls[0].every=30s..60s",
            "--set", "cluster.nodes=50", "--duration", "1m", "--points", "2", "-q");
        Assert.True(code == ExitCodes.Ok, err);
        Assert.Contains("workloads[0].calls[0].every", stdout);

        var checkReport = PreflightFixtures.TempFile("check.html");
        CliTests.Run("check", PreflightFixtures.ListStorm, "--set", "cluster.nodes=50", "--set", "duration=2m", "--report", checkReport, "-q");
        var html = File.ReadAllText(checkReport);
        Assert.Contains("\"kind\":\"check\"", html);
        Assert.Contains("apiServerSaturation [prod]", html);

        var compareReport = PreflightFixtures.TempFile("compare.html");
        (code, _, err) = CliTests.Run("compare", PreflightFixtures.ListStorm, "--set", "cluster.nodes=50", "--set", "duration=2m",
            "--mitigations", "watch-cache", "--report", compareReport, "-q");
        Assert.True(code == ExitCodes.Ok, err);
        html = File.ReadAllText(compareReport);
        Assert.Contains("\"kind\":\"compare\"", html);
        Assert.Contains("\"matrix\":{", html);
    }
}
