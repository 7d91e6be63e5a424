// TEMPORARY stand-in for the APF package being written on branch `apf`; deleted at merge.
using Cascade.Engine;
namespace Cascade.ControlPlane.Apf;
public readonly record struct RequestDigest(string User, IReadOnlyList<string> Groups, string Verb, string ApiGroup, string Resource, string? Namespace, bool IsResourceRequest, string? Path);
public readonly record struct Classification(int PriorityLevel, int FlowSchema, ulong FlowHash, bool Exempt);
public readonly record struct WorkEstimate(int InitialSeats, int FinalSeats, long AdditionalLatencyTicks);
public enum RejectReason { QueueFull, TimeOut, ConcurrencyLimit }
public interface IApfHost { void OnDispatched(int requestId); void OnRejected(int requestId, RejectReason reason, int retryAfterSeconds); }
public sealed record ApfObjects(IReadOnlyList<object> PriorityLevels, IReadOnlyList<object> FlowSchemas);
public static class ApfYaml { public static ApfObjects Parse(string yamlText, string fileName) => new(Array.Empty<object>(), Array.Empty<object>()); }
public sealed class ApfConfiguration
{
    public static ApfConfiguration Default { get; } = new();
    public static ApfConfiguration From(ApfObjects o, bool keepDefaults) => Default;
    public Classification Classify(in RequestDigest r)
    {
        if (r.Groups.Contains("system:masters")) return new(0, 0, 0, true);
        if (r.Groups.Contains("system:nodes")) return new(r.Resource == "leases" || r.Resource == "nodes" ? 2 : 1, 0, (ulong)r.User.GetHashCode(), false);
        if (r.User.StartsWith("system:kube-")) return new(4, 0, 1, false);
        if (r.Groups.Contains("system:serviceaccounts")) return new(5, 0, (ulong)r.User.Length, false);
        return new(6, 0, 2, false);
    }
}
public static class WorkEstimator
{
    public static WorkEstimate ForList(long storedObjects, bool servedFromCache, bool hasSelector, long limit)
    {
        long n = servedFromCache ? storedObjects : (limit > 0 ? (hasSelector ? storedObjects + limit : 2 * limit) : storedObjects);
        if (!servedFromCache && limit > 0 && hasSelector) n = Math.Min(n, storedObjects + limit);
        return new((int)Math.Clamp((n + 99) / 100, 1, 10), 0, 0);
    }
    public static WorkEstimate ForMutating(int watchers) => new(1, watchers >= 10 ? Math.Min(10, (watchers + 9) / 10) : 0, 0);
    public static WorkEstimate ForWatchInit(long storedObjects) => ForList(storedObjects, true, false, 0);
    public static WorkEstimate ForGet() => new(1, 0, 0);
    public static bool ListServedFromCache(string rv, long limit, bool hasContinue, bool consistentListFromCache)
        => !hasContinue && (rv == "0" || (rv == "" && consistentListFromCache));
}
public sealed class ApfDispatcher : IEventHandler
{
    private readonly IApfHost _host; private readonly int _limit; private int _inUse;
    private readonly Queue<(int Id, int Seats)> _q = new(); private readonly Dictionary<int, int> _seats = new();
    public ApfDispatcher(Simulation sim, ApfConfiguration config, int serverConcurrencyLimit, IApfHost host) { _host = host; _limit = serverConcurrencyLimit; }
    public void Admit(int requestId, in Classification c, WorkEstimate work, long queueWaitLimitTicks)
    {
        if (c.Exempt) { _seats[requestId] = 0; _host.OnDispatched(requestId); return; }
        if (_q.Count > 1000) { _host.OnRejected(requestId, RejectReason.QueueFull, 1); return; }
        _q.Enqueue((requestId, work.InitialSeats)); Pump();
    }
    private void Pump() { while (_q.Count > 0 && _inUse + _q.Peek().Seats <= _limit) { var (id, s) = _q.Dequeue(); _inUse += s; _seats[id] = s; _host.OnDispatched(id); } }
    public void Finish(int requestId) { if (_seats.Remove(requestId, out int s)) { _inUse -= s; Pump(); } else { var l = _q.ToList(); l.RemoveAll(x => x.Id == requestId); _q.Clear(); foreach (var x in l) _q.Enqueue(x); } }
    public void Reset() { _q.Clear(); _seats.Clear(); _inUse = 0; }
    public void OnEvent(int kind, long arg) { }
    public int PriorityLevelCount => 8; public string PriorityLevelName(int pl) => new[] { "exempt", "system", "node-high", "leader-election", "workload-high", "workload-low", "global-default", "catch-all" }[pl];
    public int SeatsInUse(int pl) => 0; public int QueuedRequests(int pl) => 0; public int CurrentConcurrencyLimit(int pl) => 0; public int TotalSeatsInUse => _inUse;
    public long Dispatched(int pl) => 0; public long Rejected(int pl, RejectReason r) => 0;
}
