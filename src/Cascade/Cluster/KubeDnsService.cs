using Cascade.Engine;

namespace Cascade.Cluster;

// Stands for: the kube-dns Service (kube-system/kube-dns, the cluster's nameserver in every pod's resolv.conf) as
// a node reaches it: the lookup goes to the Service's ClusterIP, and kube-proxy's rules on the node send it to
// one of the CoreDNS endpoints the node last saw, at random (iptables mode's statistic match;
// pkg/proxy/iptables/proxier.go). docs/sources.md §5–§6.
// Keeps: the endpoints as the node's kube-proxy last saw them (a stale view sends queries to pods that are gone,
// and those go unanswered), a retry picking again, the CoreDNS replica's own answer (synced, under capacity),
// and the first moment a lookup of a cluster name went unanswered.
// Leaves out: the UDP timeouts between retries (seconds, against outages of minutes), conntrack pinning a
// client's queries to one endpoint, IPVS and nftables modes, and the Service's own object in the API server.

/// <summary>The kube-dns Service's ClusterIP on a node: kube-proxy's rules pick a CoreDNS endpoint, and the replica answers or not.</summary>
public sealed class KubeDnsService
{
    private readonly Simulation _sim;
    private readonly DataPlane _dp;

    public KubeDnsService(Simulation sim, DataPlane dp)
    {
        _sim = sim;
        _dp = dp;
    }

    /// <summary>First time a lookup sent to CoreDNS went unanswered (SERVFAIL, dropped, or no endpoint), in seconds.</summary>
    public double? DnsFailureAtSeconds { get; private set; }

    /// <summary>
    /// A lookup leaves node <paramref name="node"/> for kube-dns: up to <paramref name="attempts"/> times, kube-proxy's
    /// rules on the node pick one of the CoreDNS endpoints it knows; the query is answered if that pod still
    /// runs, its replica answers cluster names, and it is not dropping load. <paramref name="sent"/>: the queries
    /// that left the node (none when the node knows no endpoint), all but an answered last one unanswered.
    /// </summary>
    public bool Resolve(int node, RandomStream rng, int attempts, out int sent)
    {
        sent = 0;
        var core = _dp.CoreDns;
        if (core is null) return true;
        var endpoints = _dp.Endpoints;
        var pods = _dp.Pods;
        int s = _dp.Services.KubeDns, first = _dp.Services.FirstPod[s];
        int k = RoutedView(core, node, out int included);
        if (included > 0)
        {
            for (int a = 0; a < attempts; a++)
            {
                int pick = rng.NextInt(included), j = -1;
                for (int i = 0; i < core.Replicas; i++)
                    if (endpoints.Endpoint(s, k, i) >= 0 && pick-- == 0) { j = i; break; }
                int pod = first + j;
                bool alive = pods.Incarnation[pod] == endpoints.Endpoint(s, k, j) && pods.Phase[pod] == PodPhase.Running;
                if (alive) core.Count(j, 1);
                bool ok = alive && core.Answering(j) && rng.NextDouble() < core.AnsweredShare(j);
                sent++;
                if (ok) return true;
            }
        }
        OnDnsFailure();
        return false;
    }

    /// <summary>The view of kube-dns's EndpointSlices that <paramref name="node"/>'s kube-proxy routes by, and how many CoreDNS replicas it lists.</summary>
    private int RoutedView(CoreDns core, int node, out int included)
    {
        var endpoints = _dp.Endpoints;
        int s = _dp.Services.KubeDns;
        int k = endpoints.View(s, _dp.KubeProxies.SeenAt(node));
        included = 0;
        for (int i = 0; i < core.Replicas; i++) if (endpoints.Endpoint(s, k, i) >= 0) included++;
        return k;
    }

    /// <summary>Probability that one query from <paramref name="node"/> to kube-dns is answered now.</summary>
    public double AnswerProbability(int node)
    {
        var core = _dp.CoreDns;
        if (core is null) return 1;
        var endpoints = _dp.Endpoints;
        var pods = _dp.Pods;
        int s = _dp.Services.KubeDns, first = _dp.Services.FirstPod[s];
        int k = endpoints.View(s, _dp.KubeProxies.SeenAt(node));
        int included = 0;
        double good = 0;
        for (int i = 0; i < core.Replicas; i++)
        {
            int inc = endpoints.Endpoint(s, k, i);
            if (inc < 0) continue;
            included++;
            int pod = first + i;
            if (pods.Incarnation[pod] == inc && pods.Phase[pod] == PodPhase.Running && core.Answering(i)) good += core.AnsweredShare(i);
        }
        return included == 0 ? 0 : good / included;
    }

    /// <summary>Queries per second leaving <paramref name="node"/> for kube-dns, spread over the endpoints its kube-proxy knows.</summary>
    public void OfferQueries(int node, double queries)
    {
        var core = _dp.CoreDns;
        if (core is null) return;
        var endpoints = _dp.Endpoints;
        var pods = _dp.Pods;
        int s = _dp.Services.KubeDns, first = _dp.Services.FirstPod[s];
        int k = RoutedView(core, node, out int included);
        if (included == 0) return;
        for (int i = 0; i < core.Replicas; i++)
        {
            int inc = endpoints.Endpoint(s, k, i);
            if (inc >= 0 && pods.Incarnation[first + i] == inc && pods.Phase[first + i] == PodPhase.Running) core.Count(i, queries / included);
        }
    }

    /// <summary>A product's lookup of a cluster name went unanswered: noted once, the first time.</summary>
    public void OnDnsFailure()
    {
        if (DnsFailureAtSeconds is not null) return;
        DnsFailureAtSeconds = SimTime.ToSeconds(_sim.Now);
        _dp.Note("dns-failure", "a lookup of a cluster name went unanswered by CoreDNS (SERVFAIL, dropped, or no endpoint)");
    }
}
