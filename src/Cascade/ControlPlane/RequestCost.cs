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
        long read = 0, returned = 0, memory = 0;
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
                    long remaining = Math.Max(0, n - r.Page * call.Limit);
                    read = call.Limit > 0 ? Math.Min(call.Limit, remaining) : n;
                    returned = (long)Math.Round(read * call.Selectivity);
                    cpu += BytesTicks(read * bytesPerObject, config.DecodeBytesPerSecond);
                    memory = (long)(config.EtcdListMemory * read * bytesPerObject);
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
        r.ObjectsReturned = returned;
        r.CpuTicks = cpu;
        r.MemoryPlanned = memory;
    }

    /// <summary>The watch cache's initial LIST of a resource: decode everything from etcd.</summary>
    public static void PlanCacheInit(Request r, ApiResource res, ApiServerConfig config)
    {
        r.ObjectsRead = res.Count;
        r.CpuTicks = BytesTicks(res.StoredBytes, config.DecodeBytesPerSecond);
        r.MemoryPlanned = (long)(config.EtcdListMemory * res.StoredBytes);
    }

    public static long BytesTicks(long bytes, double bytesPerSecond) =>
        (long)(bytes / bytesPerSecond * SimTime.TicksPerSecond);
}
