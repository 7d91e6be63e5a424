namespace Cascade.ControlPlane;

// Stands for: nothing in Kubernetes; the simulator's bookkeeping for clients whose attempts, while no API server
// replica serves, are refused in a fixed cycle that meets nothing else (docs/model.md, "Refused renewals while no
// API server serves"). Such a client keeps those attempts to itself instead of as events; ApiServerSet tells it when
// the attempts' counters are about to be read and when a replica serves again.

/// <summary>A client that keeps the attempts a dark control plane refuses to itself.</summary>
internal interface IDarkWaiter
{
    /// <summary>
    /// Counts the attempts and refusals due by <paramref name="now"/> (inclusive when <paramref name="throughNow"/>,
    /// else only those before it), as the request path would have counted them.
    /// </summary>
    void CatchUp(long now, bool throughNow);

    /// <summary>A replica serves again (counted up to this instant, exclusive): the kept attempts go back to events.</summary>
    void OnServing();
}
