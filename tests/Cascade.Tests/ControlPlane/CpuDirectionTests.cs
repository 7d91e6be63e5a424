using Cascade.ControlPlane;
using Cascade.Results;
using Cascade.Scenarios.Schema;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>API server CPU as a limit: it can be pinned, and more of it helps (docs/model.md, "What a request costs").</summary>
public class CpuDirectionTests
{
    /// <summary>Every node's agent LISTs all pods from the watch cache (RV="0", no selector): no etcd in the path, CPU-heavy encoding.</summary>
    private static ClusterResult CacheListStorm(double cores)
    {
        var s = ListStorm(2000, 8, resourceVersion: "0", selector: "", kubernetesVersion: "1.35");
        s.Cluster.ApiServer.CpuCores = cores;
        return Only(Run(s));
    }

    [Fact]
    public void Where_etcd_is_not_the_bottleneck_doubling_api_server_cores_relieves_a_pinned_cpu_and_never_makes_it_worse()
    {
        var small = CacheListStorm(32);
        var big = CacheListStorm(64);
        // Pinned: some replica used every one of its 32 cores, and etcd never ran out of memory.
        Assert.True(small.Apiserver.PeakCpuCores >= 0.95 * 32, $"peak {small.Apiserver.PeakCpuCores:F1} of 32 cores");
        Assert.Equal(0, small.Etcd.Ooms);
        Assert.True(big.Apiserver.PeakCpuCores < 0.95 * 64, $"peak {big.Apiserver.PeakCpuCores:F1} of 64 cores");
        // More cores: more answers, a smaller failure ratio, no later saturation.
        var agentSmall = small.Workloads[0];
        var agentBig = big.Workloads[0];
        Assert.True(agentBig.Responses > agentSmall.Responses, $"{agentBig.Responses} answers with 64 cores, {agentSmall.Responses} with 32");
        Assert.True(big.Apiserver.PeakWindowFailureRatio <= small.Apiserver.PeakWindowFailureRatio);
        Assert.True(big.Apiserver.PeakWindowP99Seconds <= small.Apiserver.PeakWindowP99Seconds);
    }

    [Fact]
    public void Decoding_what_etcd_returns_costs_the_api_server_more_cpu_than_serving_the_same_list_from_the_cache_by_index()
    {
        // The same LIST (a node's pods, by field selector) from etcd at 1.30 and from the cache's node-name index at 1.31+.
        var etcd = Run(ListStorm(500, 5, kubernetesVersion: "1.30"));
        var cache = Run(ListStorm(500, 5, kubernetesVersion: "1.31"));
        var fromEtcd = etcd.Clusters[0].Workloads[0].Workload.Calls[0].Call;
        var fromCache = cache.Clusters[0].Workloads[0].Workload.Calls[0].Call;
        Assert.Equal(0, fromCache.EtcdTicksDemanded);
        Assert.True(fromEtcd.EtcdTicksDemanded > 0);
        double perEtcd = fromEtcd.CpuTicksDemanded / (double)fromEtcd.Dispatched, perCache = fromCache.CpuTicksDemanded / (double)fromCache.Dispatched;
        Assert.True(perEtcd > 100 * perCache, $"{perEtcd:F0} ticks from etcd, {perCache:F0} from the cache");
    }
}
