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
    private readonly double _qps;
    private readonly double _burst;
    private double _tokens;
    private long _refilledAt;

    public ApiClient(int id, double qps, int burst, long timeoutTicks, int maxRetries)
    {
        Id = id;
        _qps = qps;
        _burst = burst;
        _tokens = burst;
        TimeoutTicks = timeoutTicks;
        MaxRetries = maxRetries;
    }

    public int Id { get; }

    /// <summary>Client-side timeout; 0 = none.</summary>
    public long TimeoutTicks { get; }

    public int MaxRetries { get; }

    /// <summary>The replica this client's connection goes to; -1 before the first request or after it broke.</summary>
    public int Replica { get; set; } = -1;

    /// <summary>Set by a network block (break-glass remediation): requests never reach the API server.</summary>
    public bool Blocked { get; set; }

    /// <summary>Reserves one token and returns how long the caller must wait for it (0 if one is at hand).</summary>
    public long ReserveToken(long now)
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
