using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Results;

/// <summary>
/// Two short runs of small hand-written scenarios (well under a second each): a two-cluster fleet with a rollout, an alert,
/// users' traffic, kubelets and controllers in one cluster only, and a bare single cluster. result.json says what the model measured.
/// </summary>
public sealed class SmallRuns
{
    public const string FleetYaml = """
        apiVersion: cascade/v1
        kind: Scenario
        metadata: {name: runner-test}
        duration: 150s
        clusters:
          - {name: small, nodes: 30, kubernetesVersion: "1.30", kubelets: {enabled: true}, controllers: {enabled: true}}
          - {name: plain, nodes: 20, kubernetesVersion: "1.30", kubelets: {enabled: false}, controllers: {enabled: false}}
        products:
          - {name: web, cluster: small, replicas: 5, requestRate: 50}
          - {name: idle, cluster: small, replicas: 2, requestRate: 0}
        workloads:
          - name: agent
            identity: {serviceAccount: t/agent}
            placement: perNode
            calls:
              - {verb: list, resource: pods, scope: cluster, resourceVersion: "", every: 10s}
        rollout:
          change: agent
          waves:
            - {clusters: [small], bake: 1m}
            - {clusters: [plain]}
        alerts:
          - {name: slow, signal: apiserverLatencyP99, threshold: 0.0001, for: 10s}
        """;

    public const string BareYaml = """
        apiVersion: cascade/v1
        kind: Scenario
        metadata: {name: bare}
        duration: 1m
        cluster: {name: solo, nodes: 10}
        """;

    public List<RunProgress> Progress { get; } = new();
    public long EventsBeforeStart { get; private set; } = -1;
    public int BeforeStartCalls { get; private set; }
    public RunOutput Fleet { get; }
    public RunOutput Bare { get; }

    public SmallRuns()
    {
        var fleet = YamlBinder.Load<Scenario>(FleetYaml, "runner-test.yaml", [], ScenarioLoader.ApiVersion, ScenarioLoader.Kind);
        Fleet = ScenarioRunner.Run(fleet, 7, progress: Progress.Add, threads: 1, beforeStart: f =>
        {
            BeforeStartCalls++;
            EventsBeforeStart = f.EventsProcessed;
        });
        var bare = YamlBinder.Load<Scenario>(BareYaml, "bare.yaml", [], ScenarioLoader.ApiVersion, ScenarioLoader.Kind);
        Bare = ScenarioRunner.Run(bare, 3);
    }
}

public class ScenarioRunnerTests(SmallRuns runs) : IClassFixture<SmallRuns>
{
    [Fact]
    public void The_result_names_the_scenario_and_seed_and_counts_the_simulated_time_and_events()
    {
        var r = runs.Fleet.Result;
        Assert.Equal("runner-test", r.Scenario);
        Assert.Equal(7UL, r.Seed);
        Assert.Equal(150, r.DurationSeconds);
        Assert.True(r.Events > 0);
        Assert.Equal(runs.Fleet.Fleet.EventsProcessed, r.Events);
        Assert.Equal("bare", runs.Bare.Result.Scenario);
        Assert.Equal(3UL, runs.Bare.Result.Seed);
        Assert.Equal(60, runs.Bare.Result.DurationSeconds);
    }

    [Fact]
    public void Progress_is_reported_after_every_simulated_minute_and_at_the_end()
    {
        Assert.Equal([60.0, 120.0, 150.0], runs.Progress.Select(p => p.SimulatedSeconds));
        Assert.All(runs.Progress, p => Assert.Equal(150, p.TotalSeconds));
        Assert.True(runs.Progress[0].Events > 0 && runs.Progress[0].Events <= runs.Progress[1].Events && runs.Progress[1].Events <= runs.Progress[2].Events);
        Assert.Equal(runs.Fleet.Result.Events, runs.Progress[^1].Events);
    }

    [Fact]
    public void The_before_start_hook_sees_the_built_fleet_once_before_any_event()
    {
        Assert.Equal(1, runs.BeforeStartCalls);
        Assert.Equal(0, runs.EventsBeforeStart);
    }

    [Fact]
    public void Each_clusters_summary_reports_what_its_api_servers_measured()
    {
        var result = runs.Fleet.Result;
        Assert.Equal(["small", "plain"], result.Clusters.Select(c => c.Name));
        for (int i = 0; i < result.Clusters.Count; i++)
        {
            var c = result.Clusters[i];
            var model = runs.Fleet.Clusters[i];
            var m = model.Api.Metrics;
            var s = m.Samples;
            Assert.Equal(model.Nodes, c.Nodes);
            Assert.Equal(model.Api.ReplicaCount, c.Apiserver.Replicas);
            Assert.Equal(m.SaturatedAtSeconds, c.Apiserver.SaturatedAtSeconds);
            Assert.Equal(ScenarioRunner.RecoveredAt(m.SaturatedAtSeconds, s), c.Apiserver.RecoveredAtSeconds);
            Assert.Equal(s.Max(v => v.WindowP99Seconds), c.Apiserver.PeakWindowP99Seconds);
            Assert.True(c.Apiserver.PeakWindowP99Seconds > 0);
            Assert.Equal(s.Max(v => v.WindowFailureRatio), c.Apiserver.PeakWindowFailureRatio);
            Assert.Equal(m.PeakSeatUtilization, c.Apiserver.PeakSeatUtilization);
            Assert.Equal(ScenarioRunner.PeakMemoryAndCpu(s), (c.Apiserver.PeakMemoryBytes, c.Apiserver.PeakCpuCores));
            Assert.True(c.Apiserver.PeakMemoryBytes > 0 && c.Apiserver.PeakCpuCores > 0);
            var q = c.Apiserver.Requests;
            Assert.Equal((m.Issued, m.Completed, m.Rejected, m.TimedOut, model.Api.InFlight, m.ClientTimeouts, m.BlockedAttempts),
                (q.Issued, q.Completed, q.Rejected, q.TimedOut, q.InFlight, q.ClientTimeouts, q.Blocked));
            Assert.True(q.Issued > 0 && q.Completed > 0);
            Assert.Equal((m.RejectedQueueFull, m.RejectedQueueTimeOut, m.RejectedConcurrencyLimit, m.RejectedUnavailable),
                (q.RejectedByReason.QueueFull, q.RejectedByReason.QueueWaitTimeout, q.RejectedByReason.ConcurrencyLimit, q.RejectedByReason.Unavailable));
            Assert.Equal((m.WatchEventsSent, m.WatchBytesSent), (c.Apiserver.Watch.EventsSent, c.Apiserver.Watch.BytesSent));
            Assert.Equal((m.ListsFromEtcd, m.ListsFromCache), (c.Apiserver.Lists.FromEtcd, c.Apiserver.Lists.FromCache));
            Assert.True(c.Apiserver.Lists.FromEtcd + c.Apiserver.Lists.FromCache > 0);
            Assert.Equal((m.Ooms, m.Ooms, model.Api.LivenessRestarts, model.Api.FaultRestarts),
                (c.Apiserver.Ooms, c.Apiserver.Restarts.OomKill, c.Apiserver.Restarts.Liveness, c.Apiserver.Restarts.Fault));
            Assert.Equal((m.EtcdOoms, m.EtcdPeakMemoryBytes, model.Api.Etcd.FaultKills, model.Api.Etcd.Elections),
                (c.Etcd.Ooms, c.Etcd.PeakMemoryBytes, c.Etcd.FaultKills, c.Etcd.LeaderElections));
            Assert.True(c.Etcd.PeakMemoryBytes > 0);

            Assert.Equal(model.Api.Levels, c.Apiserver.PriorityLevels.Count);
            for (int l = 0; l < model.Api.Levels; l++)
                Assert.Equivalent(ScenarioRunner.SummariseLevel(s, l, model.Api.LevelName(l)), c.Apiserver.PriorityLevels[l], strict: true);
            Assert.Contains(c.Apiserver.PriorityLevels, l => l.WorstP99Seconds is not null && l.PeakSeats > 0);

            var inf = model.Api.Informers;
            Assert.Equal(inf.Count, c.Informers.Informers);
            Assert.Equal(inf.Sum(x => x.Lists), c.Informers.Lists);
            Assert.Equal(inf.Sum(x => x.Relists), c.Informers.Relists);
            Assert.Equal(inf.Sum(x => x.ConsistentRelists), c.Informers.ConsistentRelists);
            Assert.Equal(inf.Sum(x => x.BrokenWatches), c.Informers.BrokenWatches);
            Assert.Equal(inf.Sum(x => x.ExpiredWatches), c.Informers.ExpiredWatches);

            Assert.Equal(model.Workloads.Select(w => (w.Workload.Name, w.Workload.Pods, w.Workload.Responses, w.Workload.Failures)),
                c.Workloads.Select(w => (w.Name, w.Pods, w.Responses, w.Failures)));
        }
        Assert.True(result.Clusters[0].Informers.Informers > result.Clusters[1].Informers.Informers);
        Assert.Contains(result.Clusters, c => c.Workloads.Any(w => w.Pods > 0 && w.Responses > 0));
    }

    [Fact]
    public void Informer_counts_add_up_every_informer_of_the_cluster()
    {
        var c = runs.Fleet.Result.Clusters[0];
        var inf = runs.Fleet.Clusters[0].Api.Informers;
        Assert.True(inf.Count > 1);
        Assert.Equal(inf.Sum(x => x.Lists), c.Informers.Lists);
    }

    [Fact]
    public void A_cluster_with_kubelets_controllers_and_users_reports_them_and_one_without_reports_none()
    {
        var small = runs.Fleet.Result.Clusters[0];
        var model = runs.Fleet.Clusters[0];
        var ctl = model.Controllers!;
        Assert.Equal((ctl.Manager.LostLeases, ctl.SchedulerElector.LostLeases), (small.LeaderLosses!.ControllerManager, small.LeaderLosses.Scheduler));
        var k = model.Kubelets!;
        Assert.Equal((k.LeaseRenewals, k.LeaseFailures), (small.Kubelets!.LeaseRenewals, small.Kubelets.LeaseFailures));
        Assert.True(small.Kubelets.LeaseRenewals > 0);
        var dp = model.DataPlane!;
        Assert.Equal(dp.NodeLifecycle?.NotReadyPeak ?? 0, small.NodesNotReadyPeak);
        Assert.Equal(dp.Scheduler?.PendingPeak ?? 0, small.PendingPodsPeak);
        Assert.Equal(dp.KubeDns.DnsFailureAtSeconds, small.DnsFailureAtSeconds);
        var d = small.DataPlane!;
        Assert.Equal(
            (dp.NodeLifecycle?.TaintsAdded ?? 0, dp.NodeLifecycle?.Evictions ?? 0, dp.Scheduler?.Bindings ?? 0, dp.Endpoints.Writes, dp.Endpoints.WriteFailures,
             dp.CoreDns?.Restarts ?? 0, dp.CoreDns?.PeakQueriesPerSecond ?? 0, dp.Caches.UpstreamQueries, dp.Caches.FailedUpstreamQueries,
             model.Kubelets?.PodStatusPatches ?? 0, model.Kubelets?.PodStatusFailures ?? 0),
            (d.NodeTaints, d.Evictions, d.Bindings, d.EndpointSliceWrites, d.EndpointSliceWriteFailures, d.CoreDnsRestarts, d.CoreDnsPeakQps,
             d.DnsUpstreamQueries, d.DnsFailedUpstreamQueries, d.PodStatusPatches, d.PodStatusFailures));
        Assert.True(d.PodStatusPatches > 0);

        var plain = runs.Fleet.Result.Clusters[1];
        Assert.Null(plain.LeaderLosses);
        Assert.Null(plain.Kubelets);
        Assert.Equal(0, plain.DataPlane!.PodStatusPatches); // no kubelets to patch pods' status
        Assert.Equal(0, plain.NodesNotReadyPeak);
        Assert.Equal(0, plain.PendingPodsPeak);
        Assert.Null(plain.DnsFailureAtSeconds);
    }

    [Fact]
    public void Products_are_summarised_per_cluster_serving_them_from_their_buckets()
    {
        Assert.Equal(["web", "idle"], runs.Fleet.Result.Products.Select(p => p.Name));
        var product = runs.Fleet.Result.Products[0];
        var dp = runs.Fleet.Clusters[0].DataPlane!;
        Assert.Equivalent(ProductSeries.Summarise("small", "web", dp.ProductSamples(0)), product, strict: true);
        Assert.True(product.Requests > 0);
        Assert.Equal(0, runs.Fleet.Result.Products[1].Requests);
        Assert.Equivalent(ScenarioRunner.SummariseProducts(runs.Fleet.Clusters[0]), runs.Fleet.Result.Products, strict: true);
        Assert.Empty(ScenarioRunner.SummariseProducts(runs.Fleet.Clusters[1]));
        Assert.Equal(RunOutput.SumTraffic([("web", dp.ProductSamples(0))], null), runs.Fleet.Traffic("web"));
        Assert.Equal(runs.Fleet.Traffic("web"), runs.Fleet.Traffic(null));
        Assert.Empty(runs.Fleet.Traffic("nothing"));
        Assert.Empty(runs.Bare.Traffic(null));
    }

    [Fact]
    public void The_rollout_detection_and_timeline_are_the_fleets()
    {
        var r = runs.Fleet.Result;
        var rollout = runs.Fleet.Fleet.Rollout!;
        Assert.Equal("agent", r.Rollout!.Change);
        Assert.Equal(2, r.Rollout.Clusters);
        Assert.Equal(rollout.ClustersReached, r.Rollout.ClustersReached);
        Assert.Equal(2, r.Rollout.ClustersReached);
        Assert.Equal(rollout.Reach, r.Rollout.Reach);
        Assert.Equal(rollout.Halted, r.Rollout.Halted);
        Assert.Equal(rollout.HaltedAt is { } h ? SimTime.ToSeconds(h) : null, r.Rollout.HaltedAtSeconds);
        Assert.Equal(rollout.CompletedAt is { } d ? SimTime.ToSeconds(d) : null, r.Rollout.CompletedAtSeconds);
        Assert.NotNull(r.Rollout.CompletedAtSeconds);
        for (int i = 0; i < 2; i++)
            Assert.Equal(SimTime.ToSeconds(rollout.ReachedAt[i]!.Value), r.Clusters[i].ChangeReachedAtSeconds);
        Assert.True(r.Clusters[1].ChangeReachedAtSeconds > r.Clusters[0].ChangeReachedAtSeconds);

        Assert.NotNull(r.DetectedAtSeconds);
        Assert.Equal(SimTime.ToSeconds(runs.Fleet.Fleet.DetectedAt!.Value), r.DetectedAtSeconds);
        Assert.Equal(runs.Fleet.Fleet.MergedTimeline(), r.Timeline);
        Assert.NotEmpty(r.Timeline);
    }

    [Fact]
    public void A_run_without_rollout_alerts_or_products_has_none_in_its_result()
    {
        var r = runs.Bare.Result;
        Assert.Null(r.Rollout);
        Assert.Null(r.DetectedAtSeconds);
        Assert.Empty(r.Products);
        var c = Assert.Single(r.Clusters);
        Assert.Equal("solo", c.Name);
        Assert.Null(c.ChangeReachedAtSeconds);
        Assert.Equal(runs.Bare.Clusters.Select(x => x.ToSamples().Name), runs.Bare.Samples().Select(x => x.Name));
        Assert.Same(runs.Bare.Fleet.Clusters, runs.Bare.Clusters);
    }
}
