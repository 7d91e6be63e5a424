using Cascade.ControlPlane.Apf;
using Cascade.Samples;

namespace Cascade.ControlPlane;

public enum VerbClass : byte { Get, List, Watch, Mutating }

/// <summary>The subresources the model prices differently from their parent object (docs/model.md, "Subresources").</summary>
public enum Subresource : byte { None, Status, Log, Exec, Eviction }

/// <summary>
/// One kind of request a client makes, resolved once against its cluster: the resource, how it reads
/// (resourceVersion, selector, page size), and its APF classification, which depends only on who sends
/// it and what it is, so it is computed once here instead of on every request.
/// </summary>
public sealed class ApiCall
{
    public ApiCall(string name, string verb, ApiResource resource, bool clusterScope, string resourceVersion,
        bool hasSelector, double selectivity, long limit, in Classification classification, double scopeFraction = 1.0,
        bool indexed = false, bool sendInitialEvents = false, Subresource subresource = Subresource.None,
        long objectBytes = 0, int watchKey = 0)
    {
        Subresource = subresource;
        ObjectBytes = objectBytes > 0 ? objectBytes : resource.BytesPerObject;
        WatchKey = watchKey;
        Indexed = indexed;
        SendInitialEvents = sendInitialEvents;
        ScopeFraction = scopeFraction;
        Name = name;
        Verb = verb;
        Resource = resource;
        ClusterScope = clusterScope;
        ResourceVersion = resourceVersion;
        HasSelector = hasSelector;
        Selectivity = selectivity;
        Limit = limit;
        PageReadObjects = PageRead(limit, selectivity);
        Classification = classification;
        Class = verb switch
        {
            "get" => VerbClass.Get,
            "list" => VerbClass.List,
            "watch" => VerbClass.Watch,
            _ => VerbClass.Mutating,
        };
        ReportedVerb = MetricLabels.VerbOf(verb);
    }

    public string Name { get; }
    public string Verb { get; }
    public VerbClass Class { get; }

    /// <summary>The verb kube-apiserver's request metrics would label this call with.</summary>
    public ReportedVerb ReportedVerb { get; }
    public ApiResource Resource { get; }

    /// <summary>The subresource addressed (nodes/status, pods/log, ...); the object stored is the parent <see cref="Resource"/>.</summary>
    public Subresource Subresource { get; }

    /// <summary>
    /// A request the API server treats as long-running (pods/log, pods/exec): APF and the max-in-flight filter
    /// skip it (pkg/controlplane/apiserver/config.go BasicLongRunningRequestCheck: subresources attach, exec,
    /// proxy, log, portforward; apiserver server/filters/priority-and-fairness.go and maxinflight.go).
    /// </summary>
    public bool LongRunning => Subresource is Subresource.Log or Subresource.Exec;

    /// <summary>
    /// The size of the one object this call reads or writes, and of the watch event its write makes: the
    /// resource's average, or the object's own size when it is known (a Service's Endpoints grows with its endpoints).
    /// </summary>
    public long ObjectBytes { get; }

    /// <summary>
    /// Which object a write changes or a watch selects, for watch delivery: 0 = no particular object (a write
    /// any unselective watcher hears; a watch that hears every write); k &gt; 0 = one named object
    /// (<see cref="ApiServerSet.WatchKey"/>), which a watch of key k and every unselective watch hear.
    /// </summary>
    public int WatchKey { get; }
    public bool ClusterScope { get; }
    public string ResourceVersion { get; }
    public bool HasSelector { get; }

    /// <summary>The selector matches an index of the watch cache (pods by spec.nodeName): a cache LIST visits only the matches.</summary>
    public bool Indexed { get; }

    /// <summary>A WATCH that streams the current state first (sendInitialEvents=true, the WatchList informer's start).</summary>
    public bool SendInitialEvents { get; }

    /// <summary>Fraction of the stored objects (in scope) that the request returns.</summary>
    public double Selectivity { get; }

    public long Limit { get; }

    /// <summary>
    /// The objects one page of this LIST reads from etcd; 0 when it is not paginated. kube-apiserver fills a page
    /// with <see cref="Limit"/> objects that match the selector, reading etcd range after range until it has them or
    /// the keys end (k8s.io/apiserver storage/etcd3/store.go, GetList), so with the matches spread evenly over the
    /// keys a page reads limit ÷ selectivity objects: a LIST for one node's pods reads the whole range in one page.
    /// </summary>
    public long PageReadObjects { get; }

    /// <summary>Whether a page after <paramref name="page"/> (0 = the first) is left when <paramref name="objectsInScope"/> objects are in scope.</summary>
    public bool HasPageAfter(int page, long objectsInScope) =>
        PageReadObjects > 0 && (objectsInScope - 1) / PageReadObjects > page;

    private static long PageRead(long limit, double selectivity)
    {
        if (limit <= 0) return 0;
        double objects = limit / selectivity; // +∞ when nothing matches: the page never fills
        if (!(objects < long.MaxValue / 2)) return long.MaxValue;
        // 500 ÷ (1 ÷ 1000) is 500,000 give or take the last bit of a double; only a real fraction rounds up.
        double whole = Math.Round(objects);
        return Math.Abs(objects - whole) <= 1e-9 * objects ? (long)whole : (long)Math.Ceiling(objects);
    }

    /// <summary>Share of the resource's objects inside the request's scope (1 for cluster scope, a namespace's share otherwise).</summary>
    public double ScopeFraction { get; }

    /// <summary>Objects a LIST of this call ranges over now (at least one).</summary>
    public long ObjectsInScope => Math.Max(1, (long)Math.Round(Resource.Count * ScopeFraction));
    public Classification Classification { get; }
    public bool IsMutating => Class == VerbClass.Mutating;

    /// <summary>Work this call has asked of the API servers' CPUs so far (single-core ticks).</summary>
    public long CpuTicksDemanded => _cpuTicksDemanded + (_alike is null ? 0 : _alike.Served(_alikeIndex) * _alike.Shape.ClosedFormCpuTicks);

    /// <summary>Work this call has asked of etcd so far (single-core ticks of range time).</summary>
    public long EtcdTicksDemanded { get; internal set; }

    /// <summary>Requests of this call that were dispatched (got their seats).</summary>
    public long Dispatched => _dispatched + (_alike is null ? 0 : _alike.Served(_alikeIndex));

    private long _dispatched, _cpuTicksDemanded;

    /// <summary>A request of this call was dispatched (got its seats).</summary>
    internal void CountDispatched() => _dispatched++;

    /// <summary>A dispatched request of this call asked <paramref name="cpuTicks"/> of an API server's CPU.</summary>
    internal void AddCpuTicks(long cpuTicks) => _cpuTicksDemanded += cpuTicks;

    // The calls alike this one is one of, whose requests served in closed form are counted there (AlikeCalls).
    private AlikeCalls? _alike;
    private int _alikeIndex;

    internal void JoinAlike(AlikeCalls alike, int index)
    {
        _alike = alike;
        _alikeIndex = index;
    }

    /// <summary>CPU ticks of one request of this call served in closed form (ApiServerSet.TrySendClosedForm); -1: it cannot be.</summary>
    internal long ClosedFormCpuTicks = NotPlanned;
    internal const long NotPlanned = long.MinValue;
}
