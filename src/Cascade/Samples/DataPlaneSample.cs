namespace Cascade.Samples;

/// <summary>One 10 s bucket of one product: user requests, the ones that failed, and why.</summary>
public sealed record ProductSample(double TimeSeconds, double Requests, double Errors, double DnsFailure, double RouteFailure)
{
    public double ErrorRate => Requests > 0 ? Errors / Requests : 0;
}

/// <summary>One 10 s bucket of a cluster's data plane, sampled at its end.</summary>
public sealed record DataPlaneSample(double TimeSeconds, int NodesNotReady, int NodesTainted, int PendingPods,
    int CoreDnsAnswering, double CoreDnsQps, int FailingCacheEntries, int KubeProxiesWatching, CoreDnsBucket? CoreDns = null);

/// <summary>
/// One 10 s bucket of CoreDNS's own metrics, per replica: queries received, answered NOERROR (synced) or SERVFAIL
/// (not synced); the rest were dropped past capacity. Queries are a rate the model integrates, so counts are fractional.
/// Memory is the replica's at the bucket's end (0 while it is not running).
/// </summary>
public sealed record CoreDnsBucket(double[] Queries, double[] NoError, double[] ServFail, double[] MemoryBytes);
