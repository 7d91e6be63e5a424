using BenchmarkDotNet.Attributes;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Results;

namespace Cascade.Bench;

/// <summary>
/// One list-storm cluster (a per-node agent LISTing pods from etcd every minute, kubelets, controllers)
/// for ten simulated minutes: the whole request path — client, APF, etcd, CPU, metrics — per simulated
/// second. PERFORMANCE.md's budget is one simulated hour of a 5,000-node cluster in 0.7 s; `cascade bench
/// cluster` times the full hour.
/// </summary>
[MemoryDiagnoser]
public class ClusterBenchmarks
{
    [Params(500, 5000)]
    public int Nodes { get; set; }

    [Benchmark]
    public long ListStormTenMinutes()
    {
        var s = new Scenario { ApiVersion = "cascade/v1", Kind = "Scenario", Duration = Duration.FromSeconds(600) };
        s.Cluster.Nodes = Nodes;
        s.Workloads.Add(new WorkloadSpec
        {
            Name = "agent",
            Placement = Placement.PerNode,
            Identity = new IdentitySpec { ServiceAccount = "monitoring/agent" },
            Calls = { new CallSpec { Verb = Verb.List, Resource = "pods", Scope = Scope.Cluster, ResourceVersion = "", Selector = "spec.nodeName=x" } },
        });
        return ScenarioRunner.Run(s, 1, threads: 1).Result.Events;
    }
}
