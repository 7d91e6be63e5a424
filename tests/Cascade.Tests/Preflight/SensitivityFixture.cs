namespace Cascade.Tests.Preflight;

/// <summary>
/// A replay small enough to run a dozen times in a second: 50 nodes for 16 minutes; the control plane is
/// lost at minute 2 and CoreDNS restarts into it at minute 3, so users fail as the node caches expire.
/// Two unknowns: the DNS TTL (which moves the peak) and the description (which moves nothing).
/// </summary>
internal static class SensitivityFixture
{
    public const string Yaml = """
        apiVersion: cascade/v1
        kind: Scenario
        metadata: {name: tiny-dns-outage, description: CoreDNS restarts into a lost control plane; node caches hide it until they expire.}
        duration: 16m
        seed: 1
        cluster:
          name: prod
          kubernetesVersion: "1.30"
          nodes: 50
          dns: {recordTtl: 5m, nodeLocalCache: {enabled: true, successTtl: 5m}}
        products:
          - {name: auth, replicas: 10, requestRate: 0}
          - {name: api, replicas: 10, requestRate: 200, calls: [auth]}
        faults:
          - {fault: killApiServers, at: 2m, duration: 60m}
          - {fault: restartCoreDns, at: 3m}
        replay:
          source: a test
          origin: minute 0
          markers:
            - {name: first customer impact, observedMinutes: 3, kind: firstError}
            - {name: peak impact, observedMinutes: 8, kind: peakError}
            - {name: API recovered, observedMinutes: 12, kind: productRecovered, product: api}
          unknowns:
            - name: DNS TTL
              path: cluster.dns.recordTtl
              low: 2m
              high: 8m
              with: [{path: cluster.dns.nodeLocalCache.successTtl, low: 2m, high: 8m}]
              why: not public
            - {name: description, path: metadata.description, low: a, high: b, why: changes nothing}
        """;

    public static string File()
    {
        var path = PreflightFixtures.TempFile("tiny-dns-outage.yaml");
        System.IO.File.WriteAllText(path, Yaml);
        return path;
    }
}
