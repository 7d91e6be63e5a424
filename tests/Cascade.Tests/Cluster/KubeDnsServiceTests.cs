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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_node_whose_kube_proxy_is_cut_off_keeps_sending_to_a_coredns_pod_that_is_gone_and_those_queries_go_unanswered(int replica)
    {
        var c = new SmallCluster();
        c.RunTo(30);
        int cut = c.Cluster.PartitionNodes(1, SimTime.FromSeconds(600));
        c.Dp.Lifecycle.OnPodDeleted(DnsPod(c, replica));
        c.RunTo(60);   // the replacement runs and answers; nodes that watch see it (the cut node is not NotReady before 50 s)
        Assert.Equal(PodPhase.Running, c.Pods.Phase[DnsPod(c, replica)]);
        Assert.Equal(1, c.Dp.KubeDns.AnswerProbability(cut == 0 ? 1 : 0));
        Assert.Equal(0.5, c.Dp.KubeDns.AnswerProbability(cut), 12);
        var (answered, _) = Lookups(c, cut, 1, 8000);
        Assert.InRange(answered / 8000.0, 0.475, 0.525);
    }

    /// <summary>What each CoreDNS replica received in the second after <paramref name="offer"/> offered extra queries, less what it received without them (the same run, twice).</summary>
    private static double[] Offered(Action<SmallCluster> setUp, double at, Action<SmallCluster> offer)
    {
        var runs = new[] { new SmallCluster(), new SmallCluster() };
        foreach (var c in runs)
        {
            setUp(c);
            c.RunTo(at);
        }
        offer(runs[1]);
        foreach (var c in runs) c.RunTo(at + 1);
        return Enumerable.Range(0, 2).Select(r => Math.Round(runs[1].Dp.CoreDns!.OfferedQps(r) - runs[0].Dp.CoreDns!.OfferedQps(r), 6)).ToArray();
    }

    [Fact]
    public void Queries_a_node_offers_are_spread_evenly_over_the_coredns_pods_its_kube_proxy_routes_to()
    {
        Assert.Equal(new[] { 5000.0, 5000.0 }, Offered(_ => { }, 30.5, c => c.Dp.KubeDns.OfferQueries(0, 10_000)));
        Assert.Equal(new[] { 5000.0, 5000.0 }, Offered(_ => { }, 30.5, c => c.Dp.KubeDns.OfferQueries(5, 10_000)));
    }

    [Fact]
    public void Without_coredns_in_the_model_a_lookup_is_answered_without_a_query()
    {
        var c = new SmallCluster("cluster.dns.enabled=false");
        c.RunTo(30);
        Assert.Null(c.Dp.CoreDns);
        Assert.Equal((100, 0), Lookups(c, 0, 3, 100));
        Assert.Equal(1, c.Dp.KubeDns.AnswerProbability(0));
        c.Dp.KubeDns.OfferQueries(0, 10_000);   // nobody to count them
        Assert.Null(c.Dp.KubeDns.DnsFailureAtSeconds);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_coredns_pod_deleted_a_moment_ago_receives_nothing_while_its_endpoint_is_still_listed(int replica)
    {
        var lost = Offered(c =>
        {
            c.RunTo(30);
            c.Dp.Lifecycle.OnPodDeleted(DnsPod(c, replica));
        }, 30, c => c.Dp.KubeDns.OfferQueries(0, 10_000));
        Assert.Equal(replica == 0 ? new[] { 0.0, 5000 } : new[] { 5000.0, 0 }, lost);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_cut_off_nodes_queries_to_a_coredns_pod_that_is_gone_reach_nobody(int replica)
    {
        int cut = -1;
        void SetUp(SmallCluster c)
        {
            c.RunTo(30);
            cut = c.Cluster.PartitionNodes(1, SimTime.FromSeconds(600));
            c.Dp.Lifecycle.OnPodDeleted(DnsPod(c, replica));
        }
        var lost = Offered(SetUp, 60.5, c => c.Dp.KubeDns.OfferQueries(cut, 10_000));
        Assert.Equal(replica == 0 ? new[] { 0.0, 5000 } : new[] { 5000.0, 0 }, lost);
        // A node that watches dropped the gone pod's endpoint: all its queries go to the other replica (the replacement
        // runs, but it is not an endpoint yet).
        Assert.Equal(replica == 0 ? new[] { 0.0, 10_000 } : new[] { 10_000.0, 0 },
            Offered(SetUp, 60.5, c => c.Dp.KubeDns.OfferQueries(cut == 0 ? 1 : 0, 10_000)));
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
