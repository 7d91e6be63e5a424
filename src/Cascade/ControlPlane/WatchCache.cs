using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.ControlPlane;

// Stands for: the cacher of each resource in one kube-apiserver (staging/src/k8s.io/apiserver/pkg/storage/
// cacher: cacher.go GetList/Watch, watch_cache.go getAllEventsSinceLocked, delegator.go ShouldDelegateList,
// ready.go) and what it answers while it is, or is not, initialised.
// Keeps: per resource, whether the cache is ready and since when (its history starts at its initial LIST, so
// a watch from an older resourceVersion is "410 Expired"); the history window (eventFreshDuration 75 s);
// the cache-or-etcd decision for LISTs; what a cold cache does by version: with
// ResilientWatchCacheInitialization (1.31+) a paginated LIST without selector is sent to etcd and every other
// LIST and WATCH gets 429; before it, RV="0" LISTs go to etcd and everything else waits until the cache is
// ready. Index use: a LIST whose selector matches an index of the cache (pods by spec.nodeName) visits only
// the matching objects.
// Leaves out: resourceVersions as numbers (a reader's version is the time it last synced), bookmarks, the
// dynamic capacity of the event buffer, snapshots (ListFromCacheSnapshot), "too large resource version", and the
// paging of the cache's initial LIST (10,000 objects a page, cacher.go storageWatchListPageSize): etcd is charged
// one range of everything (docs/model.md, "The watch cache").

/// <summary>What the cacher does with a request.</summary>
public enum CacheDecision : byte
{
    /// <summary>The cache answers.</summary>
    Serve,
    /// <summary>Sent on to etcd.</summary>
    Delegate,
    /// <summary>429 with Retry-After: the cache is not ready (1.31+).</summary>
    TooManyRequests,
    /// <summary>410 Expired: the watch asks for history the cache does not have.</summary>
    Expired,
    /// <summary>Blocks until the cache is ready (before 1.31).</summary>
    WaitUntilReady,
}

/// <summary>The watch caches of one API server replica, one per resource.</summary>
internal sealed class WatchCache
{
    /// <summary>watch_cache.go: events are kept at least eventFreshDuration (75 s) back.</summary>
    public static readonly long HistoryTicks = SimTime.FromSeconds(75);

    /// <summary>Retry-After of a 429 from a cache that is not ready (cacher.go calculateRetryAfterForUnreadyCache: at least 1 s; assumption: 1 s).</summary>
    public const int NotReadyRetryAfterSeconds = 1;

    private bool[] _ready;
    private long[] _readySince;

    public WatchCache(int resources)
    {
        _ready = new bool[resources];
        _readySince = new long[resources];
        Array.Fill(_ready, true);
    }

    public bool Ready(int resource) => _ready[resource];

    /// <summary>When the cache of <paramref name="resource"/> last became ready: its history starts there.</summary>
    public long ReadySince(int resource) => _readySince[resource];

    public void MarkReady(int resource, long now)
    {
        _ready[resource] = true;
        _readySince[resource] = now;
    }

    public void MarkCold(int resource) => _ready[resource] = false;

    public void MarkAllCold() => Array.Fill(_ready, false);

    public void EnsureResources(int count)
    {
        if (_ready.Length >= count) return;
        int old = _ready.Length;
        Array.Resize(ref _ready, count);
        Array.Resize(ref _readySince, count);
        Array.Fill(_ready, true, old, count - old);
    }

    /// <summary>The cacher's answer to a LIST.</summary>
    public CacheDecision ForList(ApiCall call, bool hasContinue, KubernetesFeatures f)
    {
        if (!WorkEstimator.ListServedFromCache(call.ResourceVersion, call.Limit, hasContinue, f.ConsistentListFromCache))
            return CacheDecision.Delegate;
        if (_ready[call.Resource.Index]) return CacheDecision.Serve;
        if (f.ResilientWatchCacheInitialization)
            return call.Limit > 0 && !call.HasSelector ? CacheDecision.Delegate : CacheDecision.TooManyRequests;
        return call.ResourceVersion == "0" ? CacheDecision.Delegate : CacheDecision.WaitUntilReady;
    }

    /// <summary>
    /// The cacher's answer to a WATCH from a reader last synced at <paramref name="sinceTicks"/> (−1: no version,
    /// the watch starts with the current state).
    /// </summary>
    public CacheDecision ForWatch(ApiCall call, long sinceTicks, long now, KubernetesFeatures f)
    {
        int res = call.Resource.Index;
        if (!_ready[res])
            return f.ResilientWatchCacheInitialization ? CacheDecision.TooManyRequests : CacheDecision.WaitUntilReady;
        if (sinceTicks >= 0 && (sinceTicks < _readySince[res] || sinceTicks < now - HistoryTicks)) return CacheDecision.Expired;
        return CacheDecision.Serve;
    }

    /// <summary>Objects a cache LIST visits: with a selector the cache indexes (pods by spec.nodeName), only those it returns.</summary>
    public static long ObjectsVisited(ApiCall call, long inScope, long returned) => call.Indexed ? returned : inScope;
}
