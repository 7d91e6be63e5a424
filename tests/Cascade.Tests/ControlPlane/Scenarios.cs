using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.ControlPlane;

/// <summary>Scenarios built in code for control-plane tests.</summary>
internal static class TestScenarios
{
    /// <summary>scenarios/list-storm.yaml's agent: a cluster-wide pod LIST filtered to the agent's node, every 60 s.</summary>
    /// <remarks>At 1.30, as the scenario file: before ConsistentListFromCache (1.31) a RV="" LIST is a range over etcd.</remarks>
    public static Scenario ListStorm(int nodes, double minutes, string resourceVersion = "", string selector = "spec.nodeName=$(NODE_NAME)",
        string kubernetesVersion = "1.30")
    {
        var s = new Scenario { ApiVersion = "cascade/v1", Kind = "Scenario", Duration = Duration.FromSeconds(minutes * 60) };
        s.Metadata.Name = "list-storm";
        s.Cluster.Name = "prod";
        s.Cluster.Nodes = nodes;
        s.Cluster.KubernetesVersion = kubernetesVersion;
        s.Workloads.Add(new WorkloadSpec
        {
            Name = "telemetry-agent",
            Placement = Placement.PerNode,
            Identity = new IdentitySpec { ServiceAccount = "monitoring/telemetry-agent" },
            Calls = { new CallSpec { Verb = Verb.List, Resource = "pods", Scope = Scope.Cluster, ResourceVersion = resourceVersion, Selector = selector, Every = Duration.FromSeconds(60) } },
        });
        return s;
    }

    public static RunOutput Run(Scenario s, ulong seed = 1) => ScenarioRunner.Run(s, seed);

    public static ClusterResult Only(RunOutput o) => o.Result.Clusters[0];

    public static LevelResult Level(ClusterResult c, string name) => c.Apiserver.PriorityLevels.Single(l => l.Name == name);
}
