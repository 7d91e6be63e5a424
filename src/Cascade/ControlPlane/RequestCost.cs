using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.ControlPlane;

// Stands for: what one request costs a kube-apiserver and etcd: the handler chain's fixed work
// (authentication, authorization, admission, routing), decoding and converting every object read from
// etcd (the storage layer unmarshals each protobuf object before the field selector can look at it), the
// watch cache's scan (or index lookup), encoding what is returned, and the memory a LIST holds while it
// runs (KEP-3157; streaming encoding from 1.33). Calibration and sources: docs/model.md, "What a request
// costs" and "etcd, measured".
// Keeps: costs linear in the bytes and objects touched; a request never uses more than one core.
// Leaves out: garbage-collection pressure as its own cost, compression, JSON vs protobuf clients (one
// encode rate), conversion webhooks, admission webhooks.

/// <summary>The cost of one request, planned when APF dispatches it.</summary>
internal static class RequestCost
{
    /// <summary>An eviction reads the pod and its namespace's PodDisruptionBudget list (assumption: one PDB) before the delete.</summary>
    private const long EvictionReads = 2;

    /// <summary>APF's estimate (fcrequest.WorkEstimate) for a request the cache will (<paramref name="fromCache"/>) or will not serve.</summary>
    public static WorkEstimate Estimate(ApiCall call, bool fromCache, int watchers, bool apf)
    {
        if (!apf) return WorkEstimator.ForGet(); // max-in-flight counts requests, one each
        return call.Class switch
        {
            VerbClass.List => WorkEstimator.ForList(call.ObjectsInScope, fromCache, call.HasSelector, call.Limit),
            // list_work_estimator.go: a WATCH is priced as a LIST only when it asks for initial events.
            VerbClass.Watch => call.SendInitialEvents ? WorkEstimator.ForWatchInit(call.ObjectsInScope) : WorkEstimator.ForGet(),
            VerbClass.Mutating => WorkEstimator.ForMutating(watchers),
            _ => WorkEstimator.ForGet(),
        };
    }

    /// <summary>What the request will read from etcd, return, hold and burn.</summary>
    public static void Plan(Request r, ApiServerConfig config)
    {
        var call = r.Call;
        long bytesPerObject = call.Resource.BytesPerObject;
        long cpu = config.BaseCpuTicks;
        long read = 0, returned = 0, memory = 0, held = -1;
        int ranges = 1;
        switch (call.Class)
        {
            case VerbClass.List:
            {
                long n = call.ObjectsInScope;
                if (r.FromCache)
                {
                    // The cache ignores the limit and scans everything in scope, unless an index narrows it.
                    returned = Math.Max(0, (long)Math.Round(n * call.Selectivity));
                    cpu += (long)(WatchCache.ObjectsVisited(call, n, returned) * config.CacheScanTicksPerObject);
                    memory = (long)(config.CacheListMemory * returned * bytesPerObject);
                }
                else
                {
                    // A page reads until it has `limit` matches or the keys end (ApiCall.PageReadObjects); every
                    // object read is decoded before the selector looks at it, so a selective page costs its whole read.
                    long perPage = call.PageReadObjects;
                    read = perPage > 0 ? Math.Min(perPage, Math.Max(0, n - r.Page * perPage)) : n;
                    returned = (long)Math.Round(read * call.Selectivity);
                    if (call.Limit > 0) returned = Math.Min(returned, call.Limit);
                    cpu += BytesTicks(read * bytesPerObject, config.DecodeBytesPerSecond);
                    // A paginated read asks etcd range by range and holds one range's objects at a time (store.go
                    // frees each as it decodes it).
                    if (perPage > 0) ranges = EtcdRanges(read, call.Limit, out held);
                    else held = read;
                    memory = (long)(config.EtcdListMemory * held * bytesPerObject);
                }
                cpu += BytesTicks(returned * bytesPerObject, config.EncodeBytesPerSecond);
                break;
            }
            case VerbClass.Get:
                returned = 1;
                if (!r.FromCache)
                {
                    read = 1;
                    cpu += BytesTicks(call.ObjectBytes, config.DecodeBytesPerSecond);
                }
                // pods/log and pods/exec answer with the kubelet's stream, not the pod: the pod is only read.
                if (!call.LongRunning) cpu += BytesTicks(call.ObjectBytes, config.EncodeBytesPerSecond);
                break;
            case VerbClass.Mutating:
                cpu += config.MutatingCpuTicks + BytesTicks(2 * call.ObjectBytes, config.EncodeBytesPerSecond);
                if (call.Subresource == Subresource.Eviction)
                {
                    // eviction.go: read the pod and the namespace's PodDisruptionBudgets (one, typically), then delete.
                    read = EvictionReads;
                    cpu += BytesTicks(read * bytesPerObject, config.DecodeBytesPerSecond);
                }
                break;
            case VerbClass.Watch:
                if (call.SendInitialEvents)
                {
                    // The initial state streams from the cache event by event: scanned and encoded, little held.
                    long n = call.ObjectsInScope;
                    returned = Math.Max(0, (long)Math.Round(n * call.Selectivity));
                    cpu += (long)(WatchCache.ObjectsVisited(call, n, returned) * config.CacheScanTicksPerObject) +
                           BytesTicks(returned * bytesPerObject, config.EncodeBytesPerSecond);
                    memory = (long)(config.StreamedCacheListMemoryFactor * returned * bytesPerObject);
                }
                break;
        }
        r.ObjectsRead = read;
        r.ObjectsHeld = held < 0 ? read : held;
        r.EtcdRanges = read > 0 ? ranges : 0;
        r.ObjectsReturned = returned;
        r.CpuTicks = cpu;
        r.MemoryPlanned = memory;
    }

    /// <summary>The watch cache's initial LIST of a resource: decode everything from etcd.</summary>
    public static void PlanCacheInit(Request r, ApiResource res, ApiServerConfig config)
    {
        r.ObjectsRead = r.ObjectsHeld = res.Count;
        r.EtcdRanges = 1;
        r.CpuTicks = BytesTicks(res.StoredBytes, config.DecodeBytesPerSecond);
        r.MemoryPlanned = (long)(config.EtcdListMemory * res.StoredBytes);
    }

    /// <summary>
    /// The most a paginated read asks etcd for in one range (k8s.io/apiserver storage/etcd3/store.go maxLimit): a page
    /// whose first range leaves it short of its limit asks for twice as many next time, up to this, to save round
    /// trips when a selector drops most objects; a larger limit is kept as it is.
    /// </summary>
    internal const long MaxEtcdRange = 10_000;

    /// <summary>
    /// The etcd range requests a page reading <paramref name="read"/> objects with page size <paramref name="limit"/>
    /// makes, and in <paramref name="largest"/> the most objects one of them returns: ranges of limit, 2 × limit, ...
    /// up to <see cref="MaxEtcdRange"/>, the last one cut at what is left. (The rest of the last range, fetched but
    /// not needed, is left out.)
    /// </summary>
    internal static int EtcdRanges(long read, long limit, out long largest)
    {
        long range = limit, got = 0;
        int ranges = 0;
        largest = 0;
        while (got < read)
        {
            largest = Math.Max(largest, Math.Min(range, read - got));
            if (range >= MaxEtcdRange)
            {
                // Every later range asks for as many: the first of them is the largest.
                ranges += (int)((read - got + range - 1) / range);
                break;
            }
            ranges++;
            got += range; // past the end only when this range was the last
            range = Math.Min(2 * range, MaxEtcdRange);
        }
        return ranges;
    }

    public static long BytesTicks(long bytes, double bytesPerSecond) =>
        (long)(bytes / bytesPerSecond * SimTime.TicksPerSecond);
}
