using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// kube-dns as a node reaches it: kube-proxy's rules pick one of the CoreDNS endpoints the node last saw, at random,
/// and a retry picks again; a query to a pod that is gone, or to a replica that does not answer, goes unanswered;
/// a node that knows no endpoint sends nothing and fails.
/// </summary>
public class KubeDnsServiceTests
{
    private static (int Answered, int Sent) Lookups(SmallCluster c, int node, int attempts, int n)
    {
        var rng = c.Sim.Random.Stream("test/lookups");
        int answered = 0, sent = 0;
        for (int i = 0; i < n; i++)
        {
            if (c.Dp.KubeDns.Resolve(node, rng, attempts, out int s)) answered++;
            sent += s;
        }
        return (answered, sent);
    }

    private static int DnsPod(SmallCluster c, int replica) => c.Dp.Services.FirstPod[c.Dp.Services.KubeDns] + replica;

    [Fact]
    public void With_both_replicas_answering_every_lookup_is_answered_by_its_first_query()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        Assert.Equal((4000, 4000), Lookups(c, 0, 3, 4000));
        Assert.Equal(1, c.Dp.KubeDns.AnswerProbability(0));
        Assert.Null(c.Dp.KubeDns.DnsFailureAtSeconds);
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 0.75)]
    [InlineData(3, 0.875)]
    public void With_one_replica_of_two_silent_each_query_is_answered_half_the_time_and_a_retry_picks_again(int attempts, double expected)
    {
        var c = new SmallCluster();
        c.RunTo(30);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(600), "test");
        c.Dp.CoreDns!.RestartContainer(0, "test");   // cannot sync while the API server is down
        c.RunTo(40);
        Assert.Equal(0.5, c.Dp.KubeDns.AnswerProbability(0), 12);
        const int n = 8000;
        var (answered, sent) = Lookups(c, 0, attempts, n);
        Assert.InRange(answered / (double)n, expected - 0.025, expected + 0.025);
        // Queries sent: 1 + 1/2 + 1/4 + … up to the attempts, per lookup.
        double perLookup = (1 - Math.Pow(0.5, attempts)) / 0.5;
        Assert.InRange(sent / (double)n, perLookup - 0.05, perLookup + 0.05);
        double first = Assert.IsType<double>(c.Dp.KubeDns.DnsFailureAtSeconds);   // the first unanswered lookup, noted once
        Assert.InRange(first, 30, 40);
        Lookups(c, 0, attempts, 100);
        Assert.Equal(first, c.Dp.KubeDns.DnsFailureAtSeconds);
        Assert.Single(c.Notes("dns-failure"));
    }

    [Fact]
    public void A_node_whose_kube_proxy_is_cut_off_keeps_sending_to_a_coredns_pod_that_is_gone_and_those_queries_go_unanswered()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        int cut = c.Cluster.PartitionNodes(1, SimTime.FromSeconds(600));
        c.Dp.Lifecycle.OnPodDeleted(DnsPod(c, 0));
        c.RunTo(60);   // the replacement runs and answers; nodes that watch see it (the cut node is not NotReady before 50 s)
        Assert.Equal(PodPhase.Running, c.Pods.Phase[DnsPod(c, 0)]);
        Assert.Equal(1, c.Dp.KubeDns.AnswerProbability(cut == 0 ? 1 : 0));
        Assert.Equal(0.5, c.Dp.KubeDns.AnswerProbability(cut), 12);
        var (answered, _) = Lookups(c, cut, 1, 8000);
        Assert.InRange(answered / 8000.0, 0.475, 0.525);
    }

    [Fact]
    public void A_node_that_knows_no_coredns_endpoint_sends_nothing_and_fails_and_the_first_failure_is_noted_once()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        c.Cluster.Controllers!.SchedulerElector.Kill(SimTime.FromSeconds(120));   // the replacements stay pending
        c.Dp.Lifecycle.OnPodDeleted(DnsPod(c, 0));
        c.Dp.Lifecycle.OnPodDeleted(DnsPod(c, 1));
        c.RunTo(35);
        Assert.Equal(0, c.Dp.KubeDns.AnswerProbability(0));
        Assert.Equal((0, 0), Lookups(c, 0, 3, 100));
        double first = Assert.IsType<double>(c.Dp.KubeDns.DnsFailureAtSeconds);
        Assert.InRange(first, 30, 35);
        c.RunTo(40);
        Lookups(c, 0, 1, 10);
        Assert.Equal(first, c.Dp.KubeDns.DnsFailureAtSeconds);
        Assert.Single(c.Notes("dns-failure"));
    }
}
