using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

public enum Placement { PerNode, Replicas }

public enum Verb { Get, List, Watch, Create, Update, Patch, Delete }

public enum Scope { Cluster, Namespace, Object }

/// <summary>When each pod's first period starts: at a random point of the period (spread), or all at once at the start (aligned).</summary>
public enum CallPhase { Spread, Aligned }

/// <summary>A set of pods calling the API server: a DaemonSet (`placement: per-node`) or a Deployment (`replicas`).</summary>
public sealed class WorkloadSpec : IValidatable
{
    [Required] public string Name { get; set; } = "";

    /// <summary>
    /// A DaemonSet, Deployment or StatefulSet manifest (what `kubectl apply -f` takes; relative to the scenario) that
    /// gives the identity, placement, replicas and resources; the calls come from `calls:` or `profile:`.
    /// </summary>
    public string? Manifest { get; set; }

    /// <summary>The output of `cascade profile` (relative to the scenario): the calls and informers of its workload of this identity.</summary>
    public string? Profile { get; set; }
    public IdentitySpec Identity { get; set; } = new();
    public Placement Placement { get; set; } = Placement.Replicas;
    [Range(0, 1_000_000)] public int Replicas { get; set; } = 1;
    public ClientSpec Client { get; set; } = new();

    /// <summary>Clusters it runs in (names or glob patterns); all by default.</summary>
    public List<string> Clusters { get; set; } = new() { "*" };

    /// <summary>CPU and memory of one pod at rest (what a resource-based gate sees).</summary>
    public ResourcesSpec Resources { get; set; } = new();

    /// <summary>
    /// When the workload is deployed: its pods start then, and their informers list from nothing. Unset, it was
    /// running before the run began: its informers have synced long ago and only re-open their watches. A
    /// rollout's change starts when its wave reaches the cluster instead.
    /// </summary>
    [ZeroAllowed] public Duration? StartAt { get; set; }

    public List<CallSpec> Calls { get; set; } = new();
    public List<InformerSpec> Informers { get; set; } = new();

    /// <summary>The pods are the endpoints of this Service: their readiness changes rewrite its Endpoints and EndpointSlices.</summary>
    public ServiceSpec? Service { get; set; }

    /// <summary>Takes what `manifest:` and `profile:` give, so that everything after loading sees one plain workload.</summary>
    public void Validate(ValidationContext ctx) => Importers.WorkloadManifest.Resolve(this, ctx);
}

/// <summary>
/// The Service a workload's pods back (docs/model.md, "Endpoints and EndpointSlices"): every change of a pod's
/// endpoint makes the endpoints controller rewrite the whole Endpoints object and the EndpointSlice controller
/// the one slice (≤ 100 endpoints) that holds it.
/// </summary>
public sealed class ServiceSpec
{
    [Required] public string Name { get; set; } = "";

    /// <summary>Each pod's endpoint changes (a restart, a readiness flip) on average this often (Poisson); 0 = never.</summary>
    [ZeroAllowed] public Duration EndpointChangeEvery { get; set; } = Duration.FromSeconds(3600);

    /// <summary>Stored bytes one endpoint adds to an Endpoints object or an EndpointSlice (assumption: address, node name, target reference, conditions).</summary>
    [Range(1, 1e6)] public Quantity BytesPerEndpoint { get; set; } = new(150);
}

/// <summary>Who the pods are to the API server; APF classifies them by it (docs/sources.md §2.3).</summary>
public sealed class IdentitySpec
{
    /// <summary>`namespace/name`: the pods run as system:serviceaccount:namespace:name, in groups system:serviceaccounts and system:serviceaccounts:namespace.</summary>
    public string? ServiceAccount { get; set; }

    public string? User { get; set; }
    public List<string> Groups { get; set; } = new();
}

/// <summary>client-go's rest.Config knobs (docs/sources.md §3).</summary>
public sealed class ClientSpec
{
    /// <summary>docs/sources.md §3: client-go default QPS 5.</summary>
    [Range(0.001, 1e6)] public double Qps { get; set; } = 5;

    /// <summary>docs/sources.md §3: client-go default burst 10.</summary>
    [Range(1, 1e6)] public int Burst { get; set; } = 10;

    /// <summary>Client-side request timeout; none by default in client-go.</summary>
    [ZeroAllowed] public Duration? Timeout { get; set; }

    /// <summary>docs/sources.md §3: a 429/5xx with Retry-After is retried up to 10 times.</summary>
    [Range(0, 100)] public int MaxRetries { get; set; } = 10;
}

[OneOf(nameof(Every), nameof(At))]
public sealed class CallSpec : IValidatable
{
    public Verb Verb { get; set; } = Verb.List;
    public string Resource { get; set; } = "pods";
    public Scope Scope { get; set; } = Scope.Cluster;
    public string Namespace { get; set; } = "default";

    /// <summary>"0" (any version: the watch cache), "" (most recent: a consistent read from etcd) or "exact".</summary>
    public string ResourceVersion { get; set; } = "";

    /// <summary>Label or field selector text; non-empty means the request has a selector.</summary>
    public string Selector { get; set; } = "";

    /// <summary>Fraction of the stored objects the selector matches; by default 1, or one node's share when the selector is `spec.nodeName=...`.</summary>
    [Range(0, 1)] public double? Selectivity { get; set; }

    /// <summary>Page size; 0 = no pagination.</summary>
    [Range(0, 1e9)] public long Limit { get; set; }

    public Duration Every { get; set; } = Duration.FromSeconds(60);

    /// <summary>A one-shot call: each pod makes it once, this long after it starts, instead of the `every` loop.</summary>
    [ZeroAllowed] public Duration? At { get; set; }

    /// <summary>Where each pod's loop starts in its period: spread (random, the default) or aligned (all at the start, as after a mass restart).</summary>
    public CallPhase Phase { get; set; } = CallPhase.Spread;

    /// <summary>Each period is stretched by up to this factor (client-go's JitterUntil).</summary>
    [Range(0, 10)] public double Jitter { get; set; } = 0.1;

    public void Validate(ValidationContext ctx)
    {
        if (ControlPlane.Subresources.Check(Resource, Verb.ToString().ToLowerInvariant()) is { } problem) ctx.Fail(nameof(Resource), problem);
        // Where a loop starts and how its periods stretch mean nothing to a call made once (PeriodicCall.OneShot).
        if (At is not null)
            foreach (var loopOnly in (ReadOnlySpan<string>)[nameof(Phase), nameof(Jitter)])
                if (ctx.IsSet(loopOnly))
                    ctx.Fail(loopOnly, $"`{Naming.CamelCase(loopOnly)}` is for a call made in a loop (`every`), not a one-shot call (`at`)");
    }
}

public sealed class InformerSpec : IValidatable
{
    public string Resource { get; set; } = "pods";
    public Scope Scope { get; set; } = Scope.Cluster;
    public string Namespace { get; set; } = "default";
    public string Selector { get; set; } = "";
    [Range(0, 1)] public double? Selectivity { get; set; }

    /// <summary>The first LIST's page size: client-go's pager default 500 (tools/pager/pager.go defaultPageSize); 0 = unpaginated.</summary>
    [Range(0, 1e9)] public long PageSize { get; set; } = ControlPlane.InformerCalls.DefaultPageSize;

    /// <summary>The first LIST's resourceVersion: "0" as client-go's reflector (tools/cache/reflector.go), or "" for a consistent list.</summary>
    public string ResourceVersion { get; set; } = "0";

    public void Validate(ValidationContext ctx)
    {
        if (ResourceVersion is not ("0" or "")) ctx.Fail(nameof(ResourceVersion), $"must be \"0\" (any version: the watch cache) or \"\" (a consistent list), got '{ResourceVersion}'");
        if (Resource.Contains('/')) ctx.Fail(nameof(Resource), $"an informer watches objects, not a subresource: '{Resource}'");
    }
}

public sealed class ResourcesSpec
{
    /// <summary>Cores per pod at rest (assumption: a small agent).</summary>
    public double Cpu { get; set; } = 0.05;

    /// <summary>Memory per pod at rest.</summary>
    public Quantity Memory { get; set; } = new(100.0 * 1024 * 1024);

    /// <summary>Bytes per CPU-second the pod decodes its API responses at (assumption: JSON in Go).</summary>
    public Quantity DecodeBytesPerSecond { get; set; } = new(100e6);
}
