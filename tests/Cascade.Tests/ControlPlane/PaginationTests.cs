using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.ControlPlane;

/// <summary>
/// What paginating a LIST does to a cluster, in whole runs (the per-request costs are in <see cref="ApiServerRequestTests"/>):
/// a per-node agent's LIST filtered to its node fills no page, so a limit changes neither its requests nor its CPU and etcd
/// work, only the memory a LIST holds; an unfiltered LIST is split into a request per page.
/// </summary>
public class PaginationTests
{
    private static readonly string[] Small = ["cluster.nodes=300", "duration=6m"];

    private static ClusterResult Run(params string[] overrides) =>
        ScenarioRunner.Run(ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, [.. Small, .. overrides]), 1, threads: 1).Result.Clusters[0];

    [Fact]
    public void Paginating_a_node_filtered_list_keeps_its_requests_and_work_and_lowers_the_memory_it_holds()
    {
        var whole = Run();
        var paged = Run("workloads[0].calls[0].limit=500");
        // 300 nodes × 30 pods: each LIST reads 9,000 pods for its 30 and never fills a page of 500.
        Assert.Equal(whole.Apiserver.Lists.FromEtcd, paged.Apiserver.Lists.FromEtcd);
        Assert.Equal(whole.Apiserver.Requests.Issued, paged.Apiserver.Requests.Issued);
        Assert.Equal(whole.Workloads[0].Responses, paged.Workloads[0].Responses);
        Assert.True(whole.Apiserver.Lists.FromEtcd > 1_000, $"{whole.Apiserver.Lists.FromEtcd} LISTs from etcd");
        // One etcd range at a time (500 … 4,000 pods) instead of all 9,000.
        Assert.True(paged.Apiserver.PeakMemoryBytes < whole.Apiserver.PeakMemoryBytes,
            $"paginated {paged.Apiserver.PeakMemoryBytes:N0} B, whole {whole.Apiserver.PeakMemoryBytes:N0} B");
    }

    [Fact]
    public void Paginating_an_unfiltered_list_sends_a_request_per_page()
    {
        string[] unfiltered = ["cluster.nodes=50", "workloads[0].calls[0].selector=\"\""];
        var whole = Run(unfiltered);
        var paged = Run([.. unfiltered, "workloads[0].calls[0].limit=500"]);
        // 50 nodes × 30 pods in pages of 500: three requests where there was one (a LIST cut off by the end of the run
        // may have served only some of its pages).
        Assert.True(whole.Apiserver.Lists.FromEtcd > 200, $"{whole.Apiserver.Lists.FromEtcd} LISTs from etcd");
        Assert.InRange(paged.Apiserver.Lists.FromEtcd, 3 * whole.Apiserver.Lists.FromEtcd - 6, 3 * whole.Apiserver.Lists.FromEtcd);
        Assert.Equal(whole.Workloads[0].Responses, paged.Workloads[0].Responses);
    }
}
