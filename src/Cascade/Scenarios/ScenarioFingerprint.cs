using System.Text.Json;
using System.Text.Json.Nodes;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios;

/// <summary>
/// A loaded scenario as text: every bound field, as JSON, and the APF objects a mitigation keeps in memory beside
/// them (<c>ApfSpec.MitigationObjects</c>). A run reads nothing else of its scenario, so two scenarios with the same
/// fingerprint, run with the same seed from the same folder, are the same run, event for event: the verbs that run
/// many variants (`compare`, `sensitivity`) run such a pair once.
/// </summary>
public static class ScenarioFingerprint
{
    /// <summary>The fingerprint; without the playbook (`remediation`) when <paramref name="playbook"/> is false.</summary>
    public static string Of(Scenario scenario, bool playbook = true)
    {
        var node = JsonSerializer.SerializeToNode(scenario, Json.Options)!.AsObject();
        if (!playbook) node.Remove(Naming.CamelCase(nameof(Scenario.Remediation)));
        var apf = new JsonArray();
        foreach (var c in scenario.Clusters.Prepend(scenario.Cluster)) apf.Add(c.ApiServer.Apf.MitigationObjects);
        node["mitigationObjects"] = apf;
        return node.ToJsonString();
    }

    /// <summary>For each scenario, the first one with the same fingerprint (its own index when none before it is the same).</summary>
    public static int[] FirstSame(IReadOnlyList<Scenario> scenarios)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[scenarios.Count];
        for (int i = 0; i < scenarios.Count; i++)
        {
            string text = Of(scenarios[i]);
            if (!first.TryGetValue(text, out result[i])) first[text] = result[i] = i;
        }
        return result;
    }
}
