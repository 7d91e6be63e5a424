using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Xunit.Abstractions;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>Workloads as real clients (docs/scenario-format.md, "workloads"): one-shot calls, phase, informers' first LIST, subresources.</summary>
public class WorkloadClientTests(ITestOutputHelper output)
{
    /// <summary>Only the scenario's workloads call the API servers.</summary>
    internal static Scenario Quiet(Scenario s)
    {
        s.Cluster.Kubelets.Enabled = false;
        s.Cluster.Controllers.Enabled = false;
        s.Cluster.Scheduler.Enabled = false;
        s.Cluster.Dns.Enabled = false;
        s.Cluster.Endpoints.KubeProxy = false;
        return s;
    }

    private static ClusterModel RunCluster(Scenario s, double minutes, ulong seed = 1)
    {
        var sim = new Simulation(seed);
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(minutes));
        return cluster;
    }

    [Fact]
    public void A_one_shot_call_is_made_exactly_once_per_pod()
    {
        var s = Quiet(ListStorm(200, 10, "0"));
        s.Workloads[0].Calls[0].At = Duration.FromSeconds(30);
        var cluster = RunCluster(s, 10);
        var w = cluster.Workloads[0].Workload;
        Assert.Equal(200, w.Responses);
        Assert.Equal(200, w.Calls[0].Call.Dispatched);
    }

    [Fact]
    public void Aligned_loops_make_a_higher_peak_of_seats_than_spread_ones_of_the_same_workload()
    {
        double Peak(CallPhase phase)
        {
            var s = Quiet(ListStorm(500, 3, ""));
            s.Workloads[0].Calls[0].Phase = phase;
            var cluster = RunCluster(s, 3);
            return cluster.Api.Metrics.Samples.Max(x => x.SeatsInUseMax);
        }
        double spread = Peak(CallPhase.Spread), aligned = Peak(CallPhase.Aligned);
        output.WriteLine($"peak seats in use: spread {spread}, aligned {aligned}");
        Assert.True(aligned > 3 * spread, $"aligned {aligned}, spread {spread}");
    }

    /// <summary>One replica's informer of pods at 1.30 (no WatchList, no consistent lists from the cache): its first LIST.</summary>
    private static ApiServerMetrics FirstList(string resourceVersion, long pageSize, string version = "1.30")
    {
        var s = Quiet(ListStorm(100, 2, kubernetesVersion: version));
        s.Cluster.ApiServer.WatchList = false;
        s.Workloads[0] = new WorkloadSpec
        {
            Name = "operator",
            StartAt = Duration.Zero, // deployed at the start: its informer lists
            Informers = { new InformerSpec { Resource = "pods", ResourceVersion = resourceVersion, PageSize = pageSize } },
        };
        return RunCluster(s, 2).Api.Metrics;
    }

    [Fact]
    public void An_informers_first_list_is_served_by_the_cache_at_rv_0_and_by_etcd_page_by_page_when_consistent()
    {
        var reflector = FirstList("0", 500);          // client-go's default: the cache serves it whole, ignoring the limit
        Assert.Equal((0L, 1L), (reflector.ListsFromEtcd, reflector.ListsFromCache));
        var consistent = FirstList("", 500);          // 3,000 pods in pages of 500 from etcd
        Assert.Equal((6L, 0L), (consistent.ListsFromEtcd, consistent.ListsFromCache));
        var whole = FirstList("", 0);                 // unpaginated: one range of everything
        Assert.Equal((1L, 0L), (whole.ListsFromEtcd, whole.ListsFromCache));
        var fromCache = FirstList("", 0, "1.31");     // ConsistentListFromCache
        Assert.Equal((0L, 1L), (fromCache.ListsFromEtcd, fromCache.ListsFromCache));
    }

    private static ApiCall Define(ApiServerSet api, string verb, string resource) =>
        api.DefineCall("t", "system:serviceaccount:ops:agent", ApfIdentity.ServiceAccountGroups("ops"), verb, resource, "ops");

    /// <summary>A DaemonSet on 100 nodes making one call on its own object every <paramref name="everySeconds"/>, with other workloads beside it.</summary>
    private static (ClusterModel Cluster, ApiCall Call) PerNodeCall(Verb verb, string resource, double everySeconds, double minutes, params WorkloadSpec[] others)
    {
        var s = Quiet(ListStorm(100, minutes, "0"));
        s.Workloads[0] = new WorkloadSpec
        {
            Name = "agent",
            Placement = Placement.PerNode,
            Calls = { new CallSpec { Verb = verb, Resource = resource, Scope = Scope.Object, Every = Duration.FromSeconds(everySeconds) } },
        };
        s.Workloads.AddRange(others);
        var cluster = RunCluster(s, minutes);
        return (cluster, cluster.Workloads[0].Workload.Calls[0].Call);
    }

    [Fact]
    public void A_status_patch_is_a_mutating_write_of_the_parent_object_and_its_watchers_hear_it()
    {
        var (cluster, call) = PerNodeCall(Verb.Patch, "nodes/status", 10, 5,
            new WorkloadSpec { Name = "node-watcher", Informers = { new InformerSpec { Resource = "nodes" } } });
        Assert.True(call.IsMutating);
        Assert.Equal("nodes", call.Resource.Name);
        Assert.Equal(Subresource.Status, call.Subresource);
        Assert.False(call.Classification.Exempt);
        // Every patch committed is an event of a node the watcher hears: about 100 nodes × 6 a minute × 5 minutes.
        Assert.InRange(cluster.Api.Metrics.WatchEventsSent, 2000, 3100);
    }

    [Fact]
    public void Pods_log_holds_no_apf_seat_reads_only_its_pod_from_etcd_and_lists_nothing()
    {
        var (cluster, call) = PerNodeCall(Verb.Get, "pods/log", 5, 3);
        Assert.True(call.LongRunning);
        Assert.True(call.Classification.Exempt); // APF and max-in-flight pass long-running requests through
        Assert.True(call.Dispatched > 3000);
        Assert.Equal(0, cluster.Api.Metrics.ListsFromEtcd + cluster.Api.Metrics.ListsFromCache);
        // One key of one pod a request: no range over the pods.
        Assert.Equal(cluster.Api.Etcd.RangeTicks(1, call.Resource.BytesPerObject), call.EtcdTicksDemanded / call.Dispatched);
    }

    [Fact]
    public void An_eviction_reads_the_pod_and_its_budget_then_deletes_the_pod()
    {
        var sim = new Simulation(1);
        var api = ScenarioBuilder.BuildCluster(sim, Quiet(ListStorm(10, 1)), new Timeline()).Api;
        var eviction = Define(api, "create", "pods/eviction");
        var create = Define(api, "create", "pods");
        Assert.True(eviction.IsMutating);
        Assert.Equal(("pods", Subresource.Eviction), (eviction.Resource.Name, eviction.Subresource));
        Assert.Equal(create.Classification.PriorityLevel, eviction.Classification.PriorityLevel);
        var exec = Define(api, "create", "pods/exec");
        Assert.Equal((VerbClass.Get, true), (exec.Class, exec.Classification.Exempt)); // a stream to the kubelet, not a write
    }

    [Fact]
    public void With_apf_on_the_seats_of_a_replica_are_max_requests_inflight_plus_max_mutating()
    {
        var s = Quiet(ListStorm(10, 1, "0"));
        s.Cluster.ApiServer.MaxRequestsInflight = 100;
        s.Cluster.ApiServer.MaxMutatingRequestsInflight = 50;
        var cluster = RunCluster(s, 1);
        Assert.Equal(3 * 150, cluster.Api.Metrics.Samples[^1].SeatLimit);
    }

    private static WorkloadResult OncallDuringAStorm(string version, params string[] groups)
    {
        var s = ListStorm(2000, 5, kubernetesVersion: version);
        s.Cluster.Etcd.Memory = new Quantity(0);
        s.Cluster.ApiServer.Memory = new Quantity(4.0 * (1L << 40));
        s.Workloads.Add(new WorkloadSpec
        {
            Name = "oncall",
            Replicas = 3,
            Identity = new IdentitySpec { User = "oncall-engineer", Groups = groups.ToList() },
            Client = new ClientSpec { MaxRetries = 0 }, // a 429 is a failure, not a retry
            // A read that costs the server next to nothing: only a limit could refuse it.
            Calls = { new CallSpec { Verb = Verb.Get, Resource = "nodes", Scope = Scope.Object, ResourceVersion = "0", Every = Duration.FromSeconds(5) } },
        });
        var c = Only(Run(s));
        Assert.True(c.Apiserver.Requests.Rejected > 0, "the storm is refused");
        return c.Workloads.Single(w => w.Name == "oncall");
    }

    [Theory]
    [InlineData("1.30")]
    [InlineData("1.19")]
    public void A_break_glass_identity_in_system_masters_is_never_refused_while_a_storm_is(string version)
    {
        var oncall = OncallDuringAStorm(version, "system:masters");
        Assert.True(oncall.Responses > 0);
        Assert.Equal(0, oncall.Failures);
    }

    [Fact]
    public void Without_system_masters_the_same_reads_are_refused_by_the_max_in_flight_filter()
    {
        var oncall = OncallDuringAStorm("1.19");
        Assert.True(oncall.Failures > 0);
    }
}
