using System.Diagnostics;
using Cascade.Results;
using Xunit.Abstractions;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.Cluster;

public class Scratch(ITestOutputHelper output)
{
    [Theory]
    [InlineData(50, 30)]
    [InlineData(5000, 30)]
    public void Explore(int nodes, double minutes)
    {
        var sw = Stopwatch.StartNew();
        var o = Run(DataPlaneScenarios.ListStorm(nodes, minutes));
        output.WriteLine($"wall {sw.Elapsed.TotalSeconds:F1}s events {o.Result.Events:N0}");
        var c = Only(o);
        output.WriteLine($"saturatedAt {c.Apiserver.SaturatedAtSeconds} ooms {c.Apiserver.Ooms} nrPeak {c.NodesNotReadyPeak} pendPeak {c.PendingPodsPeak} dnsFail {c.DnsFailureAtSeconds}");
        output.WriteLine(Json.Serialize(c.DataPlane));
        foreach (var p in o.Result.Products) output.WriteLine($"{p.Name}: first {p.FirstErrorAtSeconds} peak {p.PeakErrorRate:F3} at {p.PeakAtSeconds} rec {p.RecoveredAtSeconds}");
        foreach (var t in o.Result.Timeline.Take(40)) output.WriteLine($"{t.TimeSeconds,8:F1} {t.Kind} {t.Message}");
        var dp = o.Clusters[0].DataPlane!;
        for (int i = 0; i < dp.Samples.Count; i += 6)
        {
            var s = dp.Samples[i];
            var ps = dp.ProductSamples(4)[i];
            output.WriteLine($"{s.TimeSeconds,6} nr {s.NodesNotReady} t {s.NodesTainted} pend {s.PendingPods} dnsOk {s.CoreDnsAnswering} qps {s.CoreDnsQps:F0} failE {s.FailingCacheEntries} kp {s.KubeProxiesWatching} | chatgpt err {ps.ErrorRate:F3} dns {ps.DnsFailure:F3} route {ps.RouteFailure:F3}");
        }
    }
}
