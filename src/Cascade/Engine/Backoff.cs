namespace Cascade.Engine;

// Stands for: the exponential back-off every Kubernetes component uses between failed attempts
// (k8s.io/apimachinery/pkg/util/wait Backoff and client-go's ExponentialBackoffManager; the kubelet's
// CrashLoopBackOff; workqueue's per-item exponential rate limiter). Keeps: the first delay, doubling, the
// cap, and the reset after a quiet period. Leaves out: jitter, which the caller draws from its own
// random stream (so adding a component never shifts another's randomness).

/// <summary>
/// A doubling delay from <see cref="InitialTicks"/> up to <see cref="MaxTicks"/>. Stateless: the caller keeps
/// the current delay (0 = no failure yet) in its own arrays, so a thousand kubelets need no objects.
/// </summary>
public readonly record struct Backoff(long InitialTicks, long MaxTicks)
{
    /// <summary>A controller's workqueue between failed syncs of one key: 5 ms doubling to 1000 s (client-go util/workqueue DefaultControllerRateLimiter).</summary>
    public static readonly Backoff ControllerWorkqueue = new(SimTime.FromMilliseconds(5), SimTime.FromSeconds(1000));

    /// <summary>The delay after one more failure, given the delay used after the last one (0: none yet).</summary>
    public long Next(long current) => current <= 0 ? InitialTicks : Math.Min(MaxTicks, current * 2);

    /// <summary>
    /// As <see cref="Next"/>, but the sequence starts over when the last failure was more than
    /// <paramref name="resetTicks"/> ago (client-go's backoff manager, the kubelet's crash counter).
    /// <paramref name="lastFailureAt"/> is −1 before the first failure; both refs are updated.
    /// </summary>
    public long Next(ref long current, ref long lastFailureAt, long now, long resetTicks)
    {
        if (lastFailureAt < 0 || now - lastFailureAt > resetTicks) current = 0;
        current = Next(current);
        lastFailureAt = now;
        return current;
    }
}
