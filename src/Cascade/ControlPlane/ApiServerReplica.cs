using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.ControlPlane;

/// <summary>
/// One kube-apiserver process: its seats and queues (API Priority and Fairness), its CPU (cores shared
/// by the requests executing on it, one core at most each), its memory (resident watch cache plus what
/// in-flight LISTs hold), its watch cache per resource, and the watches open on it. When memory passes
/// the limit it is OOM-killed: everything in flight is lost, every watch breaks, and it comes back after
/// the restart time with a cold watch cache.
/// </summary>
internal sealed class ApiServerReplica
{
    public ApiServerReplica(int index, Simulation sim, ApiServerConfig config, IApfHost host,
        ProcessorSharingServer.IClient cpuClient, int resources)
    {
        Index = index;
        Dispatcher = new ApfDispatcher(sim, config.Apf, config.SeatsPerReplica, host);
        Cpu = new ProcessorSharingServer(sim, config.CpuCores, cpuClient);
        Watches = new WatchRegistry(resources);
        CacheReady = new bool[resources];
        Array.Fill(CacheReady, true);
        MemoryLimitBytes = config.MemoryBytes;
    }

    public int Index { get; }
    public ApfDispatcher Dispatcher { get; }
    public ProcessorSharingServer Cpu { get; }
    public WatchRegistry Watches { get; }

    /// <summary>Per resource: the watch cache has finished its initial list and can serve.</summary>
    public bool[] CacheReady { get; private set; }

    public bool Up { get; set; } = true;

    /// <summary>Crashes since it last ran 10 min without one (the kubelet's restart back-off counter).</summary>
    public int RecentCrashes;

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

    public void EnsureResources(int count)
    {
        if (CacheReady.Length >= count) return;
        int old = CacheReady.Length;
        var a = CacheReady;
        Array.Resize(ref a, count);
        Array.Fill(a, true, old, count - old);
        CacheReady = a;
    }
}
