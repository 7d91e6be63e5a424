using System.Text.RegularExpressions;
using Cascade.ControlPlane;
using Cascade.Fleet;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// `compare`'s shortcut for a variant that changes nothing but client limits (the client-qps mitigation, or a user's
/// variant setting only `workloads[i].client.qps` and `.burst`): the baseline's run carries a
/// <see cref="ClientLimitProbe"/> per changed workload, and if none ever sees a request wait otherwise under the new
/// limits, the variant's run would be the baseline's, event for event, so it is reported as that and not run.
/// A variant whose limits would have made a difference is run as any other.
/// </summary>
public static partial class ClientLimitProbes
{
    [GeneratedRegex(@"^workloads\[\d+\]\.client\.(qps|burst)=")]
    private static partial Regex ClientLimitOverride();

    /// <summary>
    /// The probes that decide <paramref name="variant"/> against the baseline scenario (one per workload whose limits it
    /// changes; none if it changes none); null when it changes anything else, and must be run.
    /// </summary>
    public static IReadOnlyList<(string Workload, ClientLimitProbe Probe)>? Of(Scenario baseline, PreparedVariant variant)
    {
        var (v, scenario, _, _) = variant;
        if (scenario is null || (v.Mitigations.Count == 0 && v.Overrides.Count == 0)) return null;
        if (!v.Mitigations.All(m => m.Name == Mitigations.ClientQpsName)) return null;
        if (!v.Overrides.All(o => ClientLimitOverride().IsMatch(o))) return null;
        if (scenario.Workloads.Count != baseline.Workloads.Count) return null;
        var probes = new List<(string, ClientLimitProbe)>();
        for (int i = 0; i < scenario.Workloads.Count; i++)
        {
            var (was, now) = (baseline.Workloads[i], scenario.Workloads[i]);
            if (was.Name != now.Name) return null;
            if (was.Client.Qps != now.Client.Qps || was.Client.Burst != now.Client.Burst)
                probes.Add((now.Name, new ClientLimitProbe(now.Client.Qps, now.Client.Burst)));
        }
        return probes;
    }

    /// <summary>Sets every probe to watch its workload's clients in every cluster of <paramref name="fleet"/>, before it starts.</summary>
    public static void Attach(FleetModel fleet, IEnumerable<IReadOnlyList<(string Workload, ClientLimitProbe Probe)>?> probes)
    {
        foreach (var list in probes)
        {
            if (list is null) continue;
            foreach (var (workload, probe) in list)
                foreach (var cluster in fleet.Clusters)
                    foreach (var deployed in cluster.Workloads)
                        if (deployed.Workload.Name == workload)
                            foreach (var client in deployed.Workload.Clients) client.Watch(probe);
        }
    }

    /// <summary>Why a variant none of whose probes diverged is the baseline's run.</summary>
    public static string Why(IReadOnlyList<(string Workload, ClientLimitProbe Probe)> probes) =>
        probes.Count == 0
            ? "it changes no client's limits"
            : string.Join("; ", probes.Select(p => $"{p.Workload}'s limits ({p.Probe.Qps:G} QPS, burst {p.Probe.Burst}) never made a request wait otherwise in the baseline's run")) +
              ": the same run, not run again";
}
