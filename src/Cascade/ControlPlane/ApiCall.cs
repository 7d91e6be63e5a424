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

    /// <summary>Share of the resource's objects inside the request's scope (1 for cluster scope, a namespace's share otherwise).</summary>
    public double ScopeFraction { get; }

    /// <summary>Objects a LIST of this call ranges over now (at least one).</summary>
    public long ObjectsInScope => Math.Max(1, (long)Math.Round(Resource.Count * ScopeFraction));
    public Classification Classification { get; }
    public bool IsMutating => Class == VerbClass.Mutating;

    /// <summary>Work this call has asked of the API servers' CPUs so far (single-core ticks).</summary>
    public long CpuTicksDemanded { get; internal set; }

    /// <summary>Work this call has asked of etcd so far (single-core ticks of range time).</summary>
    public long EtcdTicksDemanded { get; internal set; }

    /// <summary>Requests of this call that were dispatched (got their seats).</summary>
    public long Dispatched { get; internal set; }

    /// <summary>CPU ticks of one request of this call served in closed form (ApiServerSet.TrySendClosedForm); -1: it cannot be.</summary>
    internal long ClosedFormCpuTicks = NotPlanned;
    internal const long NotPlanned = long.MinValue;
}
