namespace Cascade.ControlPlane;

/// <summary>How a request ended, as its client saw it.</summary>
public enum RequestOutcome : byte
{
    /// <summary>The handler answered (2xx, or any non-overload error the model does not distinguish).</summary>
    Ok,
    /// <summary>429 from API Priority and Fairness (queue full, queue-wait timeout, concurrency limit; or a cold watch cache).</summary>
    TooManyRequests,
    /// <summary>504: the handler ran past --request-timeout.</summary>
    ServerTimeout,
    /// <summary>No replica took it: connection refused, or reset when the replica died.</summary>
    Unavailable,
    /// <summary>410 Expired: a WATCH from a resourceVersion older than the watch cache's history.</summary>
    Expired,
    /// <summary>The client gave up first (its own timeout); the server may still be working on it.</summary>
    ClientTimeout,
}

/// <summary>Whoever sent a request hears how it ended here. <paramref name="tag"/> is the caller's own number.</summary>
public interface IApiCaller
{
    /// <param name="watch">For a WATCH that succeeded, the watch now open; otherwise <see cref="WatchHandle.None"/>.</param>
    void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch);
}
