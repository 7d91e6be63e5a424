namespace Cascade.ControlPlane;

// Stands for: nothing in Kubernetes; the simulator's bookkeeping for clients whose attempts cannot reach an API server
// (every replica down, or the client cut off by a network block) and fail in a fixed cycle that meets nothing else
// (docs/model.md, "Attempts that cannot reach an API server"). Such a client keeps those attempts to itself instead of
// as events; ApiServerSet tells it when the attempts' counters are about to be read and when a replica serves again.

/// <summary>A client that keeps attempts that cannot reach an API server to itself.</summary>
internal interface IParkedClients
{
    /// <summary>
    /// Counts the attempts and failures due by <paramref name="now"/> (inclusive when <paramref name="throughNow"/>,
    /// else only those before it), as the request path would have counted them.
    /// </summary>
    void CatchUp(long now, bool throughNow);

    /// <summary>
    /// A replica serves again (counted up to this instant, exclusive): adds to <paramref name="into"/> how each attempt kept
    /// for want of one goes back to events, and forgets them. The caller resumes all of them in the order the request
    /// path would have scheduled their events, so that simultaneous ones keep its order.
    /// </summary>
    void CollectServing(List<ParkedResumption> into);
}

/// <summary>
/// One kept attempt going back to events: its event was scheduled at <paramref name="ScheduledAt"/> on the request path
/// (<paramref name="Order"/> among those of the same instant); <paramref name="Owner"/> resumes its <paramref name="Item"/>
/// with what it kept of it (<paramref name="At"/>, <paramref name="Sent"/>). No delegate: a restart resumes tens of thousands.
/// </summary>
internal readonly record struct ParkedResumption(long ScheduledAt, long Order, IParkedResumer Owner, int Item, long At = 0, bool Sent = false)
{
    public void Resume() => Owner.Resume(Item, At, Sent);
}

/// <summary>Gives one kept attempt back to events (<see cref="ParkedResumption"/>).</summary>
internal interface IParkedResumer
{
    void Resume(int item, long at, bool sent);
}
