namespace Cascade.ControlPlane;

// Stands for: nothing in Kubernetes; the simulator's way of serving many clients' identical requests in closed form
// (docs/model.md, "Closed-form Lease renewals") without reading each client's own call. Every node's kubelet renews
// its own Lease: one call per node, alike in all the request path reads in closed form (verb, resource, object size,
// watch key, priority level), different only in the user and so in the APF flow, which closed form does not use.
// Reading one call's fields for all of them keeps a renewal from touching a cold object of its own; each call's
// count of requests served this way is kept in one array here, and the call adds it to its own counts.

/// <summary>Calls that are alike for a request served in closed form (<see cref="ApiServerSet.TrySendClosedForm(int, AlikeCalls, int)"/>).</summary>
public sealed class AlikeCalls
{
    private readonly long[] _served;

    private AlikeCalls(ApiCall shape, int count)
    {
        Shape = shape;
        _served = new long[count];
    }

    /// <summary>The call whose fields stand for all of them.</summary>
    internal ApiCall Shape { get; }

    /// <summary>Requests of call <paramref name="index"/> served in closed form.</summary>
    internal long Served(int index) => _served[index];

    internal void CountServed(int index) => _served[index]++;

    /// <summary>
    /// <paramref name="calls"/> as one set, if they are alike in everything a request served in closed form reads;
    /// null if any differs (then each is served as itself). Each call then counts its requests served in closed
    /// form from here.
    /// </summary>
    public static AlikeCalls? Of(IReadOnlyList<ApiCall> calls)
    {
        if (calls.Count == 0) return null;
        var shape = calls[0];
        foreach (var c in calls)
            if (!Alike(shape, c)) return null;
        var alike = new AlikeCalls(shape, calls.Count);
        for (int i = 0; i < calls.Count; i++) calls[i].JoinAlike(alike, i);
        return alike;
    }

    // The verb decides the class and the verb the metrics report; the resource and subresource, with the object's
    // size, what the write costs (RequestCost.Plan) and whom its watch event reaches, with the watch key.
    private static bool Alike(ApiCall a, ApiCall b) =>
        a.Verb == b.Verb && a.Resource == b.Resource && a.Subresource == b.Subresource && a.ObjectBytes == b.ObjectBytes &&
        a.WatchKey == b.WatchKey && a.Classification.PriorityLevel == b.Classification.PriorityLevel &&
        a.Classification.Exempt == b.Classification.Exempt;
}
