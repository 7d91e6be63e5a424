using Cascade.Engine;

namespace Cascade.ControlPlane.Apf;

// Stands for: the APF work estimator (staging/src/k8s.io/apiserver/pkg/util/flowcontrol/request: width.go,
// config.go, list_work_estimator.go seatsBasedOnObjectCount, mutating_work_estimator.go) and the
// cache-or-etcd decision it asks of the watch cache (storage/cacher/delegator ShouldDelegateListMeta with
// CacheWithoutSnapshots). Keeps: objects-per-seat pricing of LISTs, 1 seat for everything else, the
// mutating estimator's final seats for watchers (reshaped to at most 10 seats keeping the same work),
// WATCH with initial events priced as a cache LIST. Leaves out: the size-based LIST estimate behind the
// SizeBasedListCostEstimate gate (newer releases), metadata.name LISTs priced as one object, stale object
// counts (priced as a billion objects upstream), resourceVersionMatch. The per-level seat cap is applied
// by ApfDispatcher (docs/sources.md §2.2), as upstream's maxSeatsFn does inside the estimator.

/// <summary>
/// A request's cost: seats held while it executes, seats held for <see cref="AdditionalLatencyTicks"/> after
/// it finishes (watch-event fan-out of a write), as in fcrequest.WorkEstimate.
/// </summary>
public readonly record struct WorkEstimate(int InitialSeats, int FinalSeats, long AdditionalLatencyTicks)
{
    /// <summary>Seats the request occupies over both phases (WorkEstimate.MaxSeats).</summary>
    public int MaxSeats => Math.Max(InitialSeats, FinalSeats);
}

public static class WorkEstimator
{
    // docs/sources.md §2.5: seats min 1 (config.go minimumSeats).
    public const int MinimumSeats = 1;
    // docs/sources.md §2.5: seats max 10 (config.go maximumSeats).
    public const int MaximumSeats = 10;
    // docs/sources.md §2.5: objectsPerSeat 100 (config.go).
    public const double ObjectsPerSeat = 100.0;
    // docs/sources.md §2.5: one final seat per 10 watchers (config.go watchesPerSeat).
    public const int WatchesPerSeat = 10;
    // docs/sources.md §2.5: 5 ms of additional latency per event fan-out (config.go eventAdditionalDuration).
    public static readonly long EventAdditionalDurationTicks = 5 * SimTime.TicksPerMillisecond;

    /// <summary>
    /// A LIST over a resource with <paramref name="storedObjects"/> objects. From the watch cache every stored
    /// object is scanned (the limit does not help); from etcd with a selector, all stored objects plus the page;
    /// from etcd without one, twice the page (docs/sources.md §2.5). <paramref name="limit"/> 0 means no limit.
    /// </summary>
    public static WorkEstimate ForList(long storedObjects, bool servedFromCache, bool hasSelector, long limit)
    {
        long stored = Math.Max(0, storedObjects);
        long page = limit > 0 && limit < stored ? limit : stored;
        long objects = servedFromCache ? stored : hasSelector ? stored + page : 2 * page;
        return new WorkEstimate(SeatsFor(objects), 0, 0);
    }

    /// <summary>
    /// A create/update/patch/delete with <paramref name="watchers"/> watchers interested in the object: 1 seat,
    /// and with ≥ 10 watchers ceil(watchers/10) final seats × 5 ms, reshaped to at most 10 seats with the same
    /// seat-seconds (docs/sources.md §2.5).
    /// </summary>
    public static WorkEstimate ForMutating(int watchers)
    {
        if (watchers < WatchesPerSeat) return new WorkEstimate(1, 0, 0);
        int finalSeats = (int)Math.Ceiling(watchers / (double)WatchesPerSeat);
        long finalWork = SeatSeconds.Of(finalSeats, EventAdditionalDurationTicks);
        if (finalSeats > MaximumSeats) finalSeats = MaximumSeats;
        return new WorkEstimate(1, finalSeats, SeatSeconds.TicksPerSeat(finalWork, finalSeats));
    }

    /// <summary>A WATCH that sends initial events, priced as a LIST served from the watch cache.</summary>
    public static WorkEstimate ForWatchInit(long storedObjects) => ForList(storedObjects, servedFromCache: true, hasSelector: false, limit: 0);

    /// <summary>GET and everything else the estimator does not price: one seat.</summary>
    public static WorkEstimate ForGet() => new(MinimumSeats, 0, 0);

    /// <summary>
    /// Whether the watch cache serves a LIST (delegator.ShouldDelegateList without snapshots): a continue
    /// token goes to etcd; a limit with a specific resourceVersion (not "0") is an exact read from etcd;
    /// resourceVersion "" is a consistent read, served from the cache only with ConsistentListFromCache
    /// (default since 1.31, needs etcd's progress notify); anything else ("0", or a version without a limit:
    /// not-older-than) is served from the cache.
    /// </summary>
    public static bool ListServedFromCache(string resourceVersion, long limit, bool hasContinue, bool consistentListFromCache)
    {
        if (hasContinue) return false;
        string rv = resourceVersion ?? "";
        if (limit > 0 && rv.Length > 0 && rv != "0") return false;
        if (rv.Length == 0) return consistentListFromCache;
        return true;
    }

    private static int SeatsFor(long objects)
    {
        double seats = Math.Ceiling(objects / ObjectsPerSeat);
        return (int)Math.Clamp(seats, MinimumSeats, MaximumSeats);
    }
}
