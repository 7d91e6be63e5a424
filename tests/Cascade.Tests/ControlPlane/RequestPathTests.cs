using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using Xunit.Abstractions;
using Cascade.Samples;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>One request's way through a cluster: the client's rate limiter and retries, APF's price for it, and the books kept on it.</summary>
public class RequestPathTests(ITestOutputHelper output)
{
    private sealed class Answers : IApiCaller
    {
        public readonly List<RequestOutcome> Outcomes = new();
        public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch) => Outcomes.Add(outcome);
    }

    /// <summary>A cluster of <paramref name="nodes"/> nodes where nothing calls the API servers but the test, started and run for a minute.</summary>
    private static (Simulation Sim, ApiServerSet Api) Idle(int nodes = 10, string version = "1.30")
    {
        var s = WorkloadClientTests.Quiet(ListStorm(nodes, 10, kubernetesVersion: version));
        s.Workloads.Clear();
        var sim = new Simulation(1);
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(1));
        return (sim, cluster.Api);
    }

    private static ApiCall ListPods(ApiServerSet api, string resourceVersion) =>
        api.DefineCall("t", "system:serviceaccount:ops:agent", ApfIdentity.ServiceAccountGroups("ops"), "list", "pods", null, resourceVersion);

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(10)]
    public void Against_persistent_429s_a_client_with_n_retries_sends_exactly_n_plus_one_attempts(int retries)
    {
        var (sim, api) = Idle(version: "1.33");
        // etcd loses quorum: every watch cache goes cold and stays cold, and a consistent LIST is refused with a 429 (Retry-After 1 s).
        api.Etcd.KillMembers(0, SimTime.FromMinutes(30));
        var list = ListPods(api, "");
        var answers = new Answers();
        api.Send(api.CreateClient(double.PositiveInfinity, 1, maxRetries: retries), list, answers, 0);
        sim.Run(untilTicks: sim.Now + SimTime.FromMinutes(5));
        Assert.Equal(retries + 1, list.Dispatched);
        Assert.Equal([RequestOutcome.TooManyRequests], answers.Outcomes);
    }

    [Fact]
    public void An_idle_client_sends_at_most_its_burst_at_once_then_one_request_per_qps_interval()
    {
        const double qps = 5;
        const int burst = 10;
        var client = new ApiClient(0, qps, burst, 0, 0);
        long now = SimTime.FromMinutes(10); // idle long enough to have earned 3,000 tokens, were the bucket not capped
        for (int k = 0; k < burst; k++) Assert.Equal(0, client.ReserveToken(now));
        for (int k = 1; k <= 20; k++)
            Assert.InRange(client.ReserveToken(now), SimTime.FromSeconds(k / qps), SimTime.FromSeconds(k / qps) + 1);
    }

    [Fact]
    public void A_small_list_costs_fewer_seats_from_the_watch_cache_than_from_etcd_through_the_whole_request_path()
    {
        // 300 pods (10 nodes): 3 seats for the cache's scan of them, 6 for twice the page read from etcd. From 1,000 pods on
        // both would cost the most a request may hold (10), and the difference would not show.
        int PeakSeats(string resourceVersion)
        {
            var (sim, api) = Idle();
            var list = ListPods(api, resourceVersion);
            var answers = new Answers();
            api.Send(api.CreateClient(double.PositiveInfinity, 1), list, answers, 0);
            int Seats() => Enumerable.Range(0, api.ReplicaCount).Sum(api.ReplicaSeatsInUse);
            int peak = Seats(); // APF may dispatch it at once, within Send
            while (answers.Outcomes.Count == 0 && sim.Run(maxEvents: 1) == 1) peak = Math.Max(peak, Seats());
            Assert.Equal([RequestOutcome.Ok], answers.Outcomes);
            output.WriteLine($"rv \"{resourceVersion}\": {list.ObjectsInScope} pods, {peak} seats, {api.Metrics.ListsFromCache} from the cache");
            return peak;
        }
        Assert.Equal((3, 6), (PeakSeats("0"), PeakSeats("")));
    }

    [Fact]
    public void The_request_accounting_check_throws_when_in_flight_and_live_requests_disagree_either_way()
    {
        var (_, balanced) = Idle();
        balanced.CheckAccounting();
        var (_, leaked) = Idle();
        leaked.Metrics.OnIssued(VerbClass.Get); // issued, yet no request is alive: one leaked from the books
        Assert.Throws<InvalidOperationException>(leaked.CheckAccounting);
        var (_, phantom) = Idle();
        phantom.Metrics.OnCompleted(0, VerbClass.Get, ReportedVerb.Get, false, 0); // answered, yet never issued: one alive request too many
        Assert.Throws<InvalidOperationException>(phantom.CheckAccounting);
    }
}
