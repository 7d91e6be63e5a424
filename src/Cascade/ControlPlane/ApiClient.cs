using Cascade.Engine;

namespace Cascade.ControlPlane;

/// <summary>
/// A client-go REST client of one process (a kubelet, one pod of an agent, a controller): its token-bucket
/// rate limiter (flowcontrol.NewTokenBucketRateLimiter: QPS refill, burst capacity, Wait() reserves a
/// token and sleeps until it is due), its connection to one API server replica (HTTP/2 keeps a client on
/// the replica the load balancer gave it until that connection breaks), its own timeout, and the
/// Retry-After retry policy (docs/sources.md §3: 429/5xx with Retry-After retried up to 10 times).
/// </summary>
public sealed class ApiClient
{
    private TokenBucket _limiter;
    // What-if limiters beside the real one, each telling its probe whether it would ever have made a request wait
    // otherwise (ClientLimitProbe); null when none watches this client.
    private (ClientLimitProbe Probe, TokenBucket Bucket, bool Told)[]? _probes;

    // Where this client's connection is kept: its cluster's table (ApiServerSet.CreateClient), at the client's id,
    // or a table of its own for a client made alone.
    private readonly ClientConnections _connections;
    private readonly int _slot;

    public ApiClient(int id, double qps, int burst, long timeoutTicks, int maxRetries)
        : this(id, qps, burst, timeoutTicks, maxRetries, new ClientConnections())
    {
    }

    /// <summary>A client whose connection is kept in <paramref name="connections"/> (a new entry there).</summary>
    internal ApiClient(int id, double qps, int burst, long timeoutTicks, int maxRetries, ClientConnections connections)
    {
        Id = id;
        _limiter = new TokenBucket(qps, burst);
        TimeoutTicks = timeoutTicks;
        MaxRetries = maxRetries;
        _connections = connections;
        _slot = connections.Add();
    }

    public int Id { get; }

    /// <summary>Reads the limiter without taking a token (to bring it into the cache ahead of a request); the value means nothing.</summary>
    internal long Warm() => _limiter.Warm();

    /// <summary>The table this client's connection is kept in, and its entry there.</summary>
    internal ClientConnections Connections => _connections;

    internal int ConnectionSlot => _slot;

    /// <summary>Whether this client's connection is entry <paramref name="slot"/> of <paramref name="connections"/>.</summary>
    internal bool KeptAt(ClientConnections connections, int slot) => _connections == connections && _slot == slot;

    /// <summary>Client-side timeout; 0 = none.</summary>
    public long TimeoutTicks { get; }

    public int MaxRetries { get; }

    /// <summary>The replica this client's connection goes to; -1 before the first request or after it broke.</summary>
    public int Replica
    {
        get => _connections.Replica(_slot);
        set => _connections.SetReplica(_slot, value);
    }

    private (IBlockWatcher Watcher, int Index)[]? _blockWatchers;

    /// <summary>Set by a network block (break-glass remediation): requests never reach the API server. A watcher hears each change.</summary>
    public bool Blocked
    {
        get => _connections.Blocked(_slot);
        set
        {
            if (Blocked == value) return;
            _connections.SetBlocked(_slot, value);
            if (_blockWatchers is { } watchers)
                foreach (var (watcher, index) in watchers) watcher.OnBlockedChanged(index, value);
        }
    }

    /// <summary>From now on <paramref name="watcher"/> hears, as <paramref name="index"/>, whenever this client is blocked or let back.</summary>
    internal void WatchBlocked(IBlockWatcher watcher, int index) =>
        _blockWatchers = _blockWatchers is null ? [(watcher, index)] : [.. _blockWatchers, (watcher, index)];

    /// <summary>Reserves one token and returns how long the caller must wait for it (0 if one is at hand).</summary>
    public long ReserveToken(long now)
    {
        long wait = _limiter.Reserve(now);
        if (_probes is { } probes)
            for (int i = 0; i < probes.Length; i++)
            {
                ref var p = ref probes[i];
                if (p.Bucket.Reserve(now) != wait && !p.Told)
                {
                    p.Told = true;   // once is enough: from here the runs would part
                    p.Probe.Diverged(now);
                }
            }
        return wait;
    }

    /// <summary>Informers of this client whose attempts are parked (they take their tokens when caught up).</summary>
    internal int ParkedAttempts { get; set; }

    /// <summary>Some <see cref="ClientLimitProbe"/> compares this client's every token (so each request must reach <see cref="ReserveToken"/>).</summary>
    internal bool Probed => _probes is not null;

    /// <summary>From now on <paramref name="probe"/> hears whether its limits would ever give a request another wait than this client's.</summary>
    public void Watch(ClientLimitProbe probe)
    {
        var entry = (probe, new TokenBucket(probe.Qps, probe.Burst), false);
        _probes = _probes is null ? [entry] : [.. _probes, entry];
    }

    /// <summary>
    /// flowcontrol.NewTokenBucketRateLimiter: refilled at <c>qps</c> tokens a second up to <c>burst</c>, starting full;
    /// Wait() takes a token, going into debt if there is none, and sleeps until it is due. An infinite QPS never waits.
    /// </summary>
    private struct TokenBucket(double qps, double burst)
    {
        private readonly double _qps = qps, _burst = burst;
        private double _tokens = burst;
        private long _refilledAt;

        public readonly long Warm() => _refilledAt;

        public long Reserve(long now)
        {
            if (double.IsPositiveInfinity(_qps)) return 0;
            double elapsed = SimTime.ToSeconds(now - _refilledAt);
            _tokens = Math.Min(_burst, _tokens + elapsed * _qps);
            _refilledAt = now;
            _tokens -= 1;
            if (_tokens >= 0) return 0;
            return (long)Math.Ceiling(-_tokens / _qps * SimTime.TicksPerSecond);
        }
    }
}

/// <summary>
/// A question asked of a run without changing it: would these client limits (<see cref="Qps"/>, <see cref="Burst"/>)
/// ever have made a watched client's request wait another time than it did? Each watched client keeps a token
/// bucket of these limits beside its own and compares their answers on every request. If they never differ, a run
/// with these limits is this run, event for event: the limiter is the only thing the limits reach, and its answer
/// is all the rest of the run sees of it. `cascade compare` answers a variant that only changes client limits this way.
/// </summary>
public sealed class ClientLimitProbe(double qps, int burst)
{
    public double Qps { get; } = qps;
    public int Burst { get; } = burst;

    /// <summary>When the limits would first have given a request another wait (ticks); null while they never have.</summary>
    public long? DivergedAt { get; private set; }

    private readonly Lock _lock = new();

    internal void Diverged(long now)
    {
        // The watched clients may be in clusters that run on different threads: keep the earliest moment.
        lock (_lock) if (DivergedAt is null || now < DivergedAt) DivergedAt = now;
    }
}

/// <summary>Hears that a client was blocked at the network or let back (kubelets and informers, whose parked attempts change cycle then).</summary>
internal interface IBlockWatcher
{
    void OnBlockedChanged(int index, bool blocked);
}
