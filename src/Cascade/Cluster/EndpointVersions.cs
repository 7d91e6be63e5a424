namespace Cascade.Cluster;

/// <summary>Those who route by a Service's published endpoints, each by the version it last saw.</summary>
public interface IEndpointWatchers
{
    /// <summary>
    /// The oldest moment up to which a watcher has seen the slices and still routes by (long.MaxValue when
    /// every watcher is current). Versions published before the one that moment selects can be dropped.
    /// </summary>
    long OldestView { get; }
}

/// <summary>
/// The published versions of one Service's endpoints (what each landed EndpointSlice write carried), with
/// the time each was published, oldest first. A real watcher holds its own copy of what it last saw; here
/// one history is shared, and a version is kept while any watcher may still route by it: a kube-proxy cut
/// off from the API server for an hour keeps the rules it had, however often the Service changed since.
/// Storage grows by doubling up to <see cref="MaxVersions"/>; past that the oldest version is dropped and a
/// watcher behind it is read as routing by the oldest one kept (a bound on memory, stated in docs/model-dataplane.md).
/// </summary>
public sealed class EndpointVersions
{
    /// <summary>The most versions kept behind a stalled watcher (memory bound: versions × replicas incarnations).</summary>
    public const int MaxVersions = 4096;
    private const int InitialCapacity = 8;

    private readonly int _replicas;
    private long[] _publishedAt;
    private int[] _endpoints;       // slot × replicas incarnations (−1: not a ready endpoint)
    private int _start;             // slot of the oldest version kept

    /// <summary>Per slot: the cached share of its endpoints gone, and the pod epoch it was computed at.</summary>
    public double[] GoneFraction { get; private set; }
    public long[] GoneEpoch { get; private set; }

    /// <summary>Versions kept.</summary>
    public int Count { get; private set; }

    public EndpointVersions(int replicas)
    {
        _replicas = replicas;
        _publishedAt = new long[InitialCapacity];
        _endpoints = new int[InitialCapacity * replicas];
        GoneFraction = new double[InitialCapacity];
        GoneEpoch = new long[InitialCapacity];
        Array.Fill(GoneEpoch, -1);
    }

    private int Capacity => _publishedAt.Length;
    private int Slot(int logical) => (_start + logical) & (Capacity - 1);

    /// <summary>Adds the newest version, published at <paramref name="at"/>, carrying <paramref name="incarnations"/>.</summary>
    public void Publish(long at, ReadOnlySpan<int> incarnations, IEndpointWatchers? watchers)
    {
        if (Count == Capacity) MakeRoom(watchers);
        int k = Slot(Count);
        Count++;
        _publishedAt[k] = at;
        GoneEpoch[k] = -1;
        incarnations.CopyTo(_endpoints.AsSpan(k * _replicas, _replicas));
    }

    private void MakeRoom(IEndpointWatchers? watchers)
    {
        long oldest = watchers?.OldestView ?? long.MaxValue;
        // The oldest version can go once the next one is at or before every watcher's view.
        while (Count > 1 && _publishedAt[Slot(1)] <= oldest) DropOldest();
        if (Count < Capacity) return;
        if (Capacity < MaxVersions) Grow();
        else DropOldest();
    }

    private void DropOldest()
    {
        _start = Slot(1);
        Count--;
    }

    private void Grow()
    {
        int cap = Capacity * 2;
        var publishedAt = new long[cap];
        var endpoints = new int[cap * _replicas];
        var gone = new double[cap];
        var epoch = new long[cap];
        Array.Fill(epoch, -1);
        for (int j = 0; j < Count; j++)
        {
            int k = Slot(j);
            publishedAt[j] = _publishedAt[k];
            gone[j] = GoneFraction[k];
            epoch[j] = GoneEpoch[k];
            Array.Copy(_endpoints, k * _replicas, endpoints, j * _replicas, _replicas);
        }
        _publishedAt = publishedAt;
        _endpoints = endpoints;
        GoneFraction = gone;
        GoneEpoch = epoch;
        _start = 0;
    }

    /// <summary>The slot of the version a watcher that has seen the slices up to <paramref name="seenAt"/> routes by: the last published at or before it.</summary>
    public int View(long seenAt)
    {
        int newest = Slot(Count - 1);
        if (_publishedAt[newest] <= seenAt) return newest;
        // Binary search over the kept versions, oldest first: the last one published at or before seenAt.
        int lo = 0, hi = Count - 1; // invariant: versions from hi on were published after seenAt
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (_publishedAt[Slot(mid)] <= seenAt) lo = mid + 1;
            else hi = mid;
        }
        return Slot(Math.Max(0, lo - 1)); // lo == 0: older than every version kept, read as the oldest
    }

    /// <summary>When the version at <paramref name="slot"/> was published.</summary>
    public long PublishedAt(int slot) => _publishedAt[slot];

    /// <summary>Incarnation of replica <paramref name="i"/> in the version at <paramref name="slot"/>; −1 if not an endpoint there.</summary>
    public int Endpoint(int slot, int i) => _endpoints[slot * _replicas + i];
}
