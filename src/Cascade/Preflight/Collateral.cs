using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Results;
using Cascade.Samples;

namespace Cascade.Preflight;

/// <summary>
/// What everyone but the change got from the API servers: the worst 10 s p99 latency and the 429s of the
/// priority levels the change's requests do not land in (APF classifies its identity, so after a FlowSchema
/// mitigation these are all the default levels). Saturation counts the change's own 429s too; this says
/// whether the rest of the cluster (kubelets, controllers, CoreDNS, other tenants) was protected.
/// </summary>
public sealed record Collateral(double? WorstP99Seconds, long Rejected)
{
    public static Collateral Of(RunOutput output, WorkloadSpec? change)
    {
        double? worst = null;
        long rejected = 0;
        foreach (var cluster in output.Clusters)
        {
            var api = cluster.Api;
            var own = new HashSet<int>();
            if (change is not null)
            {
                var id = ScenarioBuilder.IdentityOf(change);
                own.Add(api.DefineCall("preflight: the change's class", id.User, id.Groups, "list", "pods", null).Classification.PriorityLevel);
                if (cluster.FindWorkload(change.Name) is { } w)
                    foreach (var c in w.Workload.Calls) own.Add(c.Call.Classification.PriorityLevel);
            }
            (worst, rejected) = Add(api.Metrics.Samples, api.Levels, own, worst, rejected);
        }
        return new Collateral(worst, rejected);
    }

    /// <summary>Adds one cluster's samples to the worst p99 and the 429s so far, skipping the change's own levels.</summary>
    internal static (double? Worst, long Rejected) Add(IReadOnlyList<ApiServerSample> samples, int levels, IReadOnlySet<int> own, double? worst, long rejected)
    {
        foreach (var s in samples)
            for (int l = 0; l < levels; l++)
            {
                if (own.Contains(l)) continue;
                rejected += s.RejectedByLevel[l];
                if (!double.IsNaN(s.P99ByLevel[l])) worst = Math.Max(worst ?? 0, s.P99ByLevel[l]);
            }
        return (worst, rejected);
    }
}
