using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Scenarios;
using Cascade.Samples;
using Cascade.Scenarios.Schema;

namespace Cascade.Results;

/// <summary>How far a run has got, for progress displays.</summary>
public readonly record struct RunProgress(double SimulatedSeconds, double TotalSeconds, long Events);

/// <summary>A finished run: the result document plus the live model, for time series and reports.</summary>
public sealed record RunOutput(RunResult Result, FleetModel Fleet)
{
    public IReadOnlyList<ClusterModel> Clusters => Fleet.Clusters;

    /// <summary>Every cluster's time series as plain samples, in the fleet's order: what the writers and the report read.</summary>
    public IReadOnlyList<ClusterSamples> Samples() => Fleet.Clusters.Select(c => c.ToSamples()).ToList();

    /// <summary>
    /// Users' traffic per 10 s bucket, summed over every cluster serving <paramref name="product"/> (all
    /// products for null): what a status page reports for a product served from several clusters.
    /// </summary>
    public IReadOnlyList<TrafficBucket> Traffic(string? product) =>
        SumTraffic(Clusters.Where(c => c.DataPlane is not null)
            .SelectMany(c => c.DataPlane!.Products.Select((p, i) => (p.Name, c.DataPlane.ProductSamples(i)))), product);

    /// <summary>The buckets of every product named <paramref name="product"/> (every product for null), summed by bucket time, in time order.</summary>
    internal static IReadOnlyList<TrafficBucket> SumTraffic(IEnumerable<(string Name, IReadOnlyList<ProductSample> Buckets)> products, string? product)
    {
        var sums = new SortedDictionary<double, (double Requests, double Errors)>();
        foreach (var (name, buckets) in products)
        {
            if (product is not null && name != product) continue;
            foreach (var s in buckets)
            {
                sums.TryGetValue(s.TimeSeconds, out var acc);
                sums[s.TimeSeconds] = (acc.Requests + s.Requests, acc.Errors + s.Errors);
            }
        }
        return sums.Select(kv => new TrafficBucket(kv.Key, kv.Value.Requests, kv.Value.Errors)).ToList();
    }
}

/// <summary>Builds a scenario, runs it to its duration, checks the request accounting, and collects the result.</summary>
public static class ScenarioRunner
{
    /// <summary>
    /// <paramref name="beforeStart"/> sees the built fleet before it starts, e.g. to schedule an observer's events
    /// on a cluster's kernel (tests); an observer that only reads changes nothing the model computes.
    /// </summary>
    /// <param name="threadsNow">When given, asked each simulated minute how many threads the run may use from then on
    /// (<paramref name="threads"/> is ignored); the result does not depend on the answers.</param>
    public static RunOutput Run(Scenario scenario, ulong seed, string? baseDirectory = null, Action<RunProgress>? progress = null, int threads = 0,
        Action<FleetModel>? beforeStart = null, Func<int>? threadsNow = null)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        var sim = new Simulation(seed);
        var timeline = new Timeline();
        var fleet = ScenarioBuilder.BuildFleet(sim, scenario, timeline, baseDirectory, threadsNow is null ? threads : Math.Max(1, threadsNow()));
        beforeStart?.Invoke(fleet);
        fleet.Start();
        long end = scenario.Duration.Ticks;
        long step = SimTime.FromMinutes(1);
        for (long t = Math.Min(step, end); ; t = Math.Min(t + step, end))
        {
            fleet.RunUntil(t, threadsNow is null ? threads : Math.Max(1, threadsNow()), mayRunTo: end);
            progress?.Invoke(new RunProgress(SimTime.ToSeconds(t), SimTime.ToSeconds(end), fleet.EventsProcessed));
            if (t >= end) break;
        }
        foreach (var c in fleet.Clusters)
        {
            c.Api.Settle();
            c.Api.CheckAccounting();
        }
        var result = new RunResult
        {
            Scenario = scenario.Metadata.Name,
            Seed = seed,
            DurationSeconds = SimTime.ToSeconds(end),
            Events = fleet.EventsProcessed,
            Clusters = fleet.Clusters.Select((c, i) =>
            {
                var summary = Summarise(c);
                if (fleet.Rollout?.ReachedAt is { Length: > 0 } at && at[i] is { } reached) summary.ChangeReachedAtSeconds = SimTime.ToSeconds(reached);
                return summary;
            }).ToList(),
            Products = fleet.Clusters.SelectMany(SummariseProducts).ToList(),
            Timeline = fleet.MergedTimeline(),
            Rollout = fleet.Rollout is { } r ? new RolloutResult
            {
                Change = r.Change,
                ClustersReached = r.ClustersReached,
                Clusters = fleet.Clusters.Count,
                Reach = r.Reach,
                Halted = r.Halted,
                HaltedAtSeconds = r.HaltedAt is { } h ? SimTime.ToSeconds(h) : null,
                CompletedAtSeconds = r.CompletedAt is { } d ? SimTime.ToSeconds(d) : null,
            } : null,
            DetectedAtSeconds = fleet.DetectedAt is { } detected ? SimTime.ToSeconds(detected) : null,
        };
        return new RunOutput(result, fleet);
    }

    public static List<ProductResult> SummariseProducts(ClusterModel cluster)
    {
        var list = new List<ProductResult>();
        if (cluster.DataPlane is not { } dp) return list;
        for (int p = 0; p < dp.Products.Count; p++)
            list.Add(ProductSeries.Summarise(cluster.Name, dp.Products[p].Name, dp.ProductSamples(p)));
        return list;
    }

    private static DataPlaneResult? SummariseDataPlane(ClusterModel cluster)
    {
        if (cluster.DataPlane is not { } dp) return null;
        return new DataPlaneResult
        {
            NodeTaints = dp.NodeLifecycle?.TaintsAdded ?? 0,
            Evictions = dp.NodeLifecycle?.Evictions ?? 0,
            Bindings = dp.Scheduler?.Bindings ?? 0,
            EndpointSliceWrites = dp.Endpoints.Writes,
            EndpointSliceWriteFailures = dp.Endpoints.WriteFailures,
            CoreDnsRestarts = dp.CoreDns?.Restarts ?? 0,
            CoreDnsPeakQps = dp.CoreDns?.PeakQueriesPerSecond ?? 0,
            DnsUpstreamQueries = dp.Caches.UpstreamQueries,
            DnsFailedUpstreamQueries = dp.Caches.FailedUpstreamQueries,
            PodStatusPatches = cluster.Kubelets?.PodStatusPatches ?? 0,
            PodStatusFailures = cluster.Kubelets?.PodStatusFailures ?? 0,
        };
    }

    /// <summary>The end of the first healthy window after the last unhealthy one, if the API server saturated and then recovered for good.</summary>
    internal static double? RecoveredAt(double? saturatedAtSeconds, IReadOnlyList<ApiServerSample> s)
    {
        if (saturatedAtSeconds is null) return null;
        int lastBad = -1;
        for (int i = 0; i < s.Count; i++)
            if (s[i].WindowP99Seconds > ApiServerMetrics.SaturationP99Seconds || s[i].WindowFailureRatio > ApiServerMetrics.SaturationFailureRatio) lastBad = i;
        return lastBad >= 0 && lastBad + 1 < s.Count ? s[lastBad + 1].TimeSeconds : null;
    }

    /// <summary>A priority level over the run: its rejections, the most seats it held in a bucket, its worst bucket p99 (null if it served nothing).</summary>
    internal static LevelResult SummariseLevel(IReadOnlyList<ApiServerSample> samples, int l, string name)
    {
        long rejected = 0;
        double peakSeats = 0, worst = double.NaN;
        foreach (var s in samples)
        {
            rejected += s.RejectedByLevel[l];
            peakSeats = Math.Max(peakSeats, s.SeatsByLevel[l]);
            if (!double.IsNaN(s.P99ByLevel[l])) worst = double.IsNaN(worst) ? s.P99ByLevel[l] : Math.Max(worst, s.P99ByLevel[l]);
        }
        return new LevelResult { Name = name, Rejected = rejected, PeakSeats = peakSeats, WorstP99Seconds = double.IsNaN(worst) ? null : worst };
    }

    /// <summary>The most memory and CPU any replica used in any bucket.</summary>
    internal static (double Memory, double Cpu) PeakMemoryAndCpu(IReadOnlyList<ApiServerSample> samples)
    {
        double peakMem = 0, peakCpu = 0;
        foreach (var s in samples)
        {
            foreach (var b in s.MemoryBytesByReplica) peakMem = Math.Max(peakMem, b);
            foreach (var c in s.CpuCoresByReplica) peakCpu = Math.Max(peakCpu, c);
        }
        return (peakMem, peakCpu);
    }

    public static ClusterResult Summarise(ClusterModel cluster)
    {
        var api = cluster.Api;
        var m = api.Metrics;
        var levels = new List<LevelResult>();
        for (int l = 0; l < api.Levels; l++) levels.Add(SummariseLevel(m.Samples, l, api.LevelName(l)));
        var (peakMem, peakCpu) = PeakMemoryAndCpu(m.Samples);
        return new ClusterResult
        {
            Name = cluster.Name,
            Nodes = cluster.Nodes,
            Apiserver = new ApiServerResult
            {
                Replicas = api.ReplicaCount,
                SaturatedAtSeconds = m.SaturatedAtSeconds,
                RecoveredAtSeconds = RecoveredAt(m.SaturatedAtSeconds, m.Samples),
                PeakWindowP99Seconds = m.Samples.Select(v => v.WindowP99Seconds).DefaultIfEmpty(0).Max(),
                PeakWindowFailureRatio = m.Samples.Select(v => v.WindowFailureRatio).DefaultIfEmpty(0).Max(),
                PeakSeatUtilization = m.PeakSeatUtilization,
                Ooms = m.Ooms,
                Restarts = new RestartsByCause { OomKill = m.Ooms, Liveness = api.LivenessRestarts, Fault = api.FaultRestarts },
                PeakMemoryBytes = peakMem,
                PeakCpuCores = peakCpu,
                Watch = new WatchResult { EventsSent = m.WatchEventsSent, BytesSent = m.WatchBytesSent },
                Lists = new ListCounts { FromEtcd = m.ListsFromEtcd, FromCache = m.ListsFromCache },
                Requests = new RequestCounts
                {
                    Issued = m.Issued,
                    Completed = m.Completed,
                    Rejected = m.Rejected,
                    TimedOut = m.TimedOut,
                    InFlight = api.InFlight,
                    ClientTimeouts = m.ClientTimeouts,
                    Blocked = m.BlockedAttempts,
                    RejectedByReason = new RejectedByReason
                    {
                        QueueFull = m.RejectedQueueFull,
                        QueueWaitTimeout = m.RejectedQueueTimeOut,
                        ConcurrencyLimit = m.RejectedConcurrencyLimit,
                        Cancelled = m.RejectedCancelled,
                        Unavailable = m.RejectedUnavailable,
                    },
                },
                PriorityLevels = levels,
            },
            Etcd = new EtcdResult { Ooms = m.EtcdOoms, PeakMemoryBytes = m.EtcdPeakMemoryBytes, FaultKills = api.Etcd.FaultKills, LeaderElections = api.Etcd.Elections },
            Informers = SummariseInformers(api),
            LeaderLosses = cluster.Controllers is { } ctl ? new LeaderLossResult { ControllerManager = ctl.Manager.LostLeases, Scheduler = ctl.SchedulerElector.LostLeases } : null,
            Kubelets = cluster.Kubelets is { } k ? new KubeletResult { LeaseRenewals = k.LeaseRenewals, LeaseFailures = k.LeaseFailures } : null,
            NodesNotReadyPeak = cluster.DataPlane?.NodeLifecycle?.NotReadyPeak ?? 0,
            PendingPodsPeak = cluster.DataPlane?.Scheduler?.PendingPeak ?? 0,
            DnsFailureAtSeconds = cluster.DataPlane?.KubeDns.DnsFailureAtSeconds,
            DataPlane = SummariseDataPlane(cluster),
            Workloads = cluster.Workloads.Select(w => new WorkloadResult { Name = w.Workload.Name, Pods = w.Workload.Pods, Responses = w.Workload.Responses, Failures = w.Workload.Failures }).ToList(),
        };
    }

    private static InformerResult SummariseInformers(ApiServerSet api)
    {
        long lists = 0, relists = 0, consistent = 0, broken = 0, expired = 0;
        foreach (var inf in api.Informers)
        {
            lists += inf.Lists;
            relists += inf.Relists;
            consistent += inf.ConsistentRelists;
            broken += inf.BrokenWatches;
            expired += inf.ExpiredWatches;
        }
        return new InformerResult
        {
            Informers = api.Informers.Count, Lists = lists, Relists = relists, ConsistentRelists = consistent,
            BrokenWatches = broken, ExpiredWatches = expired,
        };
    }
}
