using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.ControlPlane;

/// <summary>
/// One kube-apiserver process: its seats and queues (API Priority and Fairness), its CPU (cores shared
/// by the requests executing on it, one core at most each), its memory (resident watch cache plus what
/// in-flight LISTs hold), its watch cache per resource, and the watches open on it. Its kubelet probes /livez
/// and restarts it after too many failures. When memory passes
/// the limit it is OOM-killed: everything in flight is lost, every watch breaks, and it comes back after
/// the restart time with a cold watch cache.
/// </summary>
internal sealed class ApiServerReplica
{
    public ApiServerReplica(int index, Simulation sim, ApiServerConfig config, IApfHost host,
        ProcessorSharingServer.IClient cpuClient, int resources, ApfRequestTable apfRequests)
    {
        Index = index;
        Dispatcher = new ApfDispatcher(sim, config.Apf, config.SeatsPerReplica, host, apfRequests);
        Cpu = new ProcessorSharingServer(sim, config.CpuCores, cpuClient);
        Watches = new WatchRegistry(resources);
        Cache = new WatchCache(resources);
        MemoryLimitBytes = config.MemoryBytes;
        BaseCores = config.CpuCores;
    }

    /// <summary>The replica's cores; what the watch-event fan-out of the last window did not take is left to requests.</summary>
    public double BaseCores { get; set; }

    /// <summary>Watch-event work (single-core ticks) waiting for the next fan-out window.</summary>
    public double FanOutPendingTicks;

    /// <summary>Integral of cores taken by watch-event fan-out (core-ticks).</summary>
    public double FanOutCoreTicks;

    public bool FanOutWindowScheduled;

    // The work of the last watch event fanned out here, and what it was worked out from (ApiServerSet.FanOut): a Lease
    // renewal after another meets the same watchers, so its work is the same number, not worked out again.
    internal long FanOutLastBytes = -1;
    internal int FanOutLastHanded, FanOutLastHearing;
    internal double FanOutLastTicks;

    public int Index { get; }
    public ApfDispatcher Dispatcher { get; }
    public ProcessorSharingServer Cpu { get; }
    public WatchRegistry Watches { get; }

    /// <summary>Its watch caches, one per resource.</summary>
    public WatchCache Cache { get; }

    public bool Up { get; set; } = true;

    /// <summary>The kubelet's CrashLoopBackOff state: the last back-off and when it last crashed (−1: not lately).</summary>
    public long CrashDelay, LastCrashAt = -1;

    /// <summary>Liveness probes failed in a row (the kubelet restarts it at the failure threshold).</summary>
    public int ProbeFailures;

    /// <summary>When it last started serving.</summary>
    public long StartedAt { get; set; }
    public long UpAgainAt { get; set; }
    public long MemoryLimitBytes { get; set; }

    /// <summary>Resident memory that does not depend on traffic: the process plus its ready watch caches.</summary>
    public long ResidentBytes { get; set; }

    /// <summary>Memory held by requests executing now.</summary>
    public long RequestBytes { get; set; }

    public long MemoryBytes => ResidentBytes + RequestBytes;

    public double BusyCoreTicksAtLastFlush { get; set; }

    public void EnsureResources(int count) => Cache.EnsureResources(count);
}
