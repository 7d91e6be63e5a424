using Cascade.Cluster;
using Cascade.Results;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Cluster;

/// <summary>A scenario run twice, computed two ways that must agree: the runs and where two of their texts part.</summary>
internal static class TwinRuns
{
    /// <summary>Runs <paramref name="scenario"/> with its seed on one thread, <paramref name="configure"/> applied to each cluster before it starts.</summary>
    public static RunOutput Run(Scenario scenario, Action<ClusterModel> configure) =>
        ScenarioRunner.Run(scenario, (ulong)scenario.Seed, PreflightFixtures.RepoRoot(), threads: 1, beforeStart: fleet =>
        {
            foreach (var cluster in fleet.Clusters) configure(cluster);
        });

    /// <summary>Passes if <paramref name="a"/> and <paramref name="b"/> are the same text; else fails showing where they part.</summary>
    public static void AssertSameText(string a, string b)
    {
        if (a == b) return;
        int i = 0;
        while (i < Math.Min(a.Length, b.Length) && a[i] == b[i]) i++;
        Assert.Fail($"the runs part at character {i}: …{Around(a, i)}… against …{Around(b, i)}…");
    }

    private static string Around(string s, int i)
    {
        int from = Math.Max(0, i - 120);
        return s.Substring(from, Math.Min(240, s.Length - from));
    }
}
