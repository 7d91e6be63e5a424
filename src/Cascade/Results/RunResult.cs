using Cascade.Engine;
namespace Cascade.Results;

/// <summary>result.json: what a run measured. Deterministic: no wall-clock figures in here.</summary>
public sealed class RunResult
{
    public string Scenario { get; init; } = "";
    public ulong Seed { get; init; }
    public double DurationSeconds { get; init; }
    public long Events { get; init; }
    public List<ClusterResult> Clusters { get; init; } = new();

    /// <summary>User-facing products and the errors their users saw (docs/scenario-format.md, "Data plane").</summary>
    public List<ProductResult> Products { get; init; } = new();

    public RolloutResult? Rollout { get; init; }
    /// <summary>When the first alert fired; null if none did.</summary>
    public double? DetectedAtSeconds { get; init; }
    public List<TimelineEntry> Timeline { get; init; } = new();
    /// <summary>For replays: the write-up's markers next to the simulated ones.</summary>
    public List<MarkerResult>? Markers { get; set; }

    /// <summary>
    /// When <paramref name="cluster"/> was back for good: its API server recovered (if it saturated) and every
    /// product it serves that failed there serves again. Null if something in it never recovered, or nothing failed.
    /// </summary>
    public double? ClusterRecoveredAtSeconds(ClusterResult cluster)
    {
        bool any = false;
        double end = 0;
        if (cluster.Apiserver.SaturatedAtSeconds is not null)
        {
            if (cluster.Apiserver.RecoveredAtSeconds is not { } r) return null;
            any = true;
            end = r;
        }
        foreach (var p in Products)
        {
            if (p.Cluster != cluster.Name || p.FirstErrorAtSeconds is null) continue;
            if (p.RecoveredAtSeconds is not { } r) return null;
            any = true;
            end = Math.Max(end, r);
        }
        return any ? end : null;
    }
}

/// <summary>A replay marker: minutes after the scenario's time zero, observed (write-up) and simulated.</summary>
public sealed class MarkerResult
{
    public string Name { get; init; } = "";
    public double ObservedMinutes { get; init; }
    public double? SimulatedMinutes { get; init; }
    public double? DifferenceMinutes => SimulatedMinutes is { } s ? Math.Round(s - ObservedMinutes, 1) : null;
}

/// <summary>
/// One product over the run, from its per-minute error rate (errors / requests in each whole minute).
/// Times are the start of the minute, in seconds.
/// </summary>
public sealed class ProductResult
{
    public string Name { get; init; } = "";
    public string Cluster { get; init; } = "";
    public double Requests { get; init; }
    public double Errors { get; init; }
    /// <summary>First minute with an error rate over 1%; null if none.</summary>
    public double? FirstErrorAtSeconds { get; init; }
    public double PeakErrorRate { get; init; }
    /// <summary>The minute of the peak error rate; null when there were no errors.</summary>
    public double? PeakAtSeconds { get; init; }
    /// <summary>The minute after which the error rate stayed under 1% to the end; null if it never rose over 1%, or never came back.</summary>
    public double? RecoveredAtSeconds { get; init; }
}

public sealed class RolloutResult
{
    public string Change { get; init; } = "";
    public int ClustersReached { get; init; }
    public int Clusters { get; init; }
    public double Reach { get; init; }
    public bool Halted { get; init; }
    public double? HaltedAtSeconds { get; init; }
    public double? CompletedAtSeconds { get; init; }
}

public sealed class ClusterResult
{
    public string Name { get; init; } = "";
    public int Nodes { get; init; }
    public ApiServerResult Apiserver { get; init; } = new();
    public EtcdResult Etcd { get; init; } = new();
    public InformerResult Informers { get; init; } = new();

    /// <summary>Times kube-controller-manager's and kube-scheduler's leaders lost their lease and exited (null without controllers).</summary>
    public LeaderLossResult? LeaderLosses { get; init; }
    public KubeletResult? Kubelets { get; init; }

    /// <summary>Most nodes the node lifecycle controller held NotReady (Unknown) at once.</summary>
    public int NodesNotReadyPeak { get; init; }

    /// <summary>Most pods created and not yet bound at once.</summary>
    public int PendingPodsPeak { get; init; }

    /// <summary>First time a DNS query for a cluster name went unanswered by CoreDNS (before caches hide it or not); null if never.</summary>
    public double? DnsFailureAtSeconds { get; init; }

    public DataPlaneResult? DataPlane { get; init; }
    /// <summary>When the rollout's change reached this cluster; null if it never did.</summary>
    public double? ChangeReachedAtSeconds { get; set; }
    public List<WorkloadResult> Workloads { get; init; } = new();
}

public sealed class EtcdResult
{
    /// <summary>Times etcd was OOM-killed by concurrent ranges.</summary>
    public int Ooms { get; init; }
    public double PeakMemoryBytes { get; init; }

    /// <summary>Times a fault took etcd down (quorum lost).</summary>
    public int FaultKills { get; init; }

    /// <summary>Leader elections after a fault killed the leader.</summary>
    public int LeaderElections { get; init; }
}

public sealed class LeaderLossResult
{
    public int ControllerManager { get; init; }
    public int Scheduler { get; init; }
}

/// <summary>API server replica restarts by what caused them.</summary>
public sealed class RestartsByCause
{
    public int OomKill { get; init; }
    public int Liveness { get; init; }
    public int Fault { get; init; }
}

/// <summary>Every informer of the cluster together: how they listed and watched (client-go's reflector).</summary>
public sealed class InformerResult
{
    /// <summary>Informers made during the run (a restarted process makes new ones).</summary>
    public int Informers { get; init; }
    /// <summary>LISTs sent (a paginated LIST counts once).</summary>
    public long Lists { get; init; }
    /// <summary>LISTs after an informer's first sync (a 410, a failed watch-list).</summary>
    public long Relists { get; init; }
    /// <summary>Relists with resourceVersion "" after the version expired.</summary>
    public long ConsistentRelists { get; init; }
    /// <summary>Watches re-opened after they broke (their API server died, the network went).</summary>
    public long BrokenWatches { get; init; }
    /// <summary>Watches answered 410 Expired.</summary>
    public long ExpiredWatches { get; init; }
}

public sealed class ApiServerResult
{
    public int Replicas { get; init; }
    /// <summary>First 60 s window with non-exempt p99 over 1 s or over 1% failed; null if never.</summary>
    public double? SaturatedAtSeconds { get; init; }
    /// <summary>After saturating: the end of the first healthy 60 s window after which it stayed healthy; null if it never saturated or never recovered.</summary>
    public double? RecoveredAtSeconds { get; init; }
    /// <summary>Largest 60 s window p99 of non-exempt requests over the run (saturation: over 1 s).</summary>
    public double PeakWindowP99Seconds { get; init; }
    /// <summary>Largest 60 s window share of non-exempt requests that failed (saturation: over 1%).</summary>
    public double PeakWindowFailureRatio { get; init; }
    public double PeakSeatUtilization { get; init; }
    public int Ooms { get; init; }
    public RestartsByCause Restarts { get; init; } = new();
    public double PeakMemoryBytes { get; init; }
    public double PeakCpuCores { get; init; }
    public RequestCounts Requests { get; init; } = new();
    public List<LevelResult> PriorityLevels { get; init; } = new();

    /// <summary>What the replicas sent to watchers over the run.</summary>
    public WatchResult Watch { get; init; } = new();

    /// <summary>LIST requests by where they were served.</summary>
    public ListCounts Lists { get; init; } = new();
}

public sealed class WatchResult
{
    /// <summary>Watch events sent, all replicas: one event sent to n watchers counts n times.</summary>
    public long EventsSent { get; init; }

    /// <summary>Their bytes (each event's object size × the watchers it was sent to).</summary>
    public long BytesSent { get; init; }
}

/// <summary>Client LISTs (each page counts once; the watch caches' own initial LISTs are not counted).</summary>
public sealed class ListCounts
{
    public long FromEtcd { get; init; }
    public long FromCache { get; init; }
}

/// <summary>issued = completed + rejected + timedOut + inFlight, checked at the end of every run.</summary>
public sealed class RequestCounts
{
    public long Issued { get; init; }
    public long Completed { get; init; }
    public long Rejected { get; init; }
    public long TimedOut { get; init; }
    public long InFlight { get; init; }
    public RejectedByReason RejectedByReason { get; init; } = new();
    public long ClientTimeouts { get; init; }

    /// <summary>Attempts of clients cut off by a network block: they never reached an API server, so they are none of the counts above.</summary>
    public long Blocked { get; init; }
}

public sealed class RejectedByReason
{
    public long QueueFull { get; init; }
    public long QueueWaitTimeout { get; init; }
    public long ConcurrencyLimit { get; init; }
    /// <summary>Ejected from an APF queue when their client gave up (a client timeout shorter than the queue wait).</summary>
    public long Cancelled { get; init; }
    public long Unavailable { get; init; }
}

public sealed class LevelResult
{
    public string Name { get; init; } = "";
    public long Rejected { get; init; }
    public double PeakSeats { get; init; }
    /// <summary>Largest 10 s p99 latency of the level over the run, in seconds (null when it served nothing).</summary>
    public double? WorstP99Seconds { get; init; }
}

/// <summary>Counters of the data plane's dependants over the run.</summary>
public sealed class DataPlaneResult
{
    public long NodeTaints { get; init; }
    public long Evictions { get; init; }
    public long Bindings { get; init; }
    public long EndpointSliceWrites { get; init; }
    public long EndpointSliceWriteFailures { get; init; }
    public long CoreDnsRestarts { get; init; }
    public double CoreDnsPeakQps { get; init; }
    public long DnsUpstreamQueries { get; init; }
    public long DnsFailedUpstreamQueries { get; init; }
    public long PodStatusPatches { get; init; }
    public long PodStatusFailures { get; init; }
}

public sealed class KubeletResult
{
    /// <summary>Lease updates that landed.</summary>
    public long LeaseRenewals { get; init; }

    /// <summary>Lease requests that failed: a sync's updates (up to five in a round), the GETs after them, a new node's creates.</summary>
    public long LeaseFailures { get; init; }
}

public sealed class WorkloadResult
{
    public string Name { get; init; } = "";
    public int Pods { get; init; }
    public long Responses { get; init; }
    public long Failures { get; init; }
}
