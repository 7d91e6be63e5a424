using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// The caches between a client and CoreDNS (docs/sources.md §5), one entry per (node, name) for NodeLocal DNSCache
/// and per (pod, name) for a client-side cache, both optional. An entry is refreshed when it expires
/// (clients keep asking, so the first lookup after expiry goes upstream); a refresh needs an answer from
/// a CoreDNS replica reached through the node's kube-proxy rules for kube-dns, which answers if it runs
/// with a synced informer (a stale view still answers) and is under capacity. A failed refresh caches the
/// SERVFAIL for 5 s and the clients' next lookup tries again: while names fail, upstream queries come every
/// 5 s per entry instead of once per TTL, which is how emptied caches multiply DNS load. With serve_stale
/// a node cache answers from its expired entry while the upstream fails. Expiry times start spread over
/// one TTL (each node refreshed each name at its own moment), so when CoreDNS stops answering, lookups
/// start failing over one TTL: a ramp, not a step.
///
/// Without any cache tier, every lookup goes to CoreDNS: the load is the request rate times the names
/// (plus retries of failed lookups), computed as a rate each second, and a lookup fails when every
/// attempt reaches a replica that cannot answer. Events stay proportional to entries / TTL, never to
/// the request rate.
///
/// With discovery through the API server (`dns.discovery: api`) the products do not resolve names at all:
/// each pod's client asks the API server for a called Service's endpoints, as Spring Cloud Kubernetes'
/// KubernetesDiscoveryClient does on every getInstances (a read of the Service's Endpoints and of the
/// Service: spring-cloud-kubernetes-fabric8-discovery KubernetesDiscoveryClient.java), and keeps the answer
/// for the client cache's TTL (Spring Cloud LoadBalancer's instance cache). A refresh that fails leaves the
/// entry failing and is tried again after a second; so an emptied cache turns lookups into API load, and a
/// saturated control plane fails them directly (docs/model-dataplane.md, "Discovery through the API server").
/// </summary>
public sealed class DnsCaches : IEventHandler, IApiCaller
{
    private const int NodeRefreshKind = 0, ClientRefreshKind = 1;
    private static readonly long MinClientRetryTicks = SimTime.FromSeconds(1); // assumption: a client without a negative cache asks again within a second

    private readonly Simulation _sim;
    private readonly DataPlane _dp;
    private readonly DataPlaneConfig _cfg;
    private readonly RandomStream _rng;
    private readonly int _names;
    private readonly int[] _nameOfService;
    private readonly bool _nodeTier, _clientTier;
    private readonly long _nodeLife;

    private readonly long[] _nodeValidUntil, _nodeLastGood;
    private readonly int[] _nodeDemand;
    // The node entries someone on their node asks for (demand > 0), in no order, and where each sits (-1: not there):
    // the failing ones are counted each time-series bucket among these, not among every node's every name.
    private readonly int[] _demanded, _demandedAt;
    private int _demandedCount;
    private readonly bool[] _nodeScheduled;
    private readonly long[] _clientValidUntil;
    // Bumped at every write of a node's entry (by node) and of a pod's own entry (by pod): Stamp.
    private readonly int[] _nodeStamp, _clientStamp;
    private readonly bool[] _clientScheduled;
    // Bumped when a pod's process starts anew: the refreshes and answers an earlier process had pending are dropped.
    private readonly int[] _clientGen;

    // Discovery through the API server: one client per product pod, and the two reads of a refresh.
    private readonly bool _api;
    private readonly ApiClient[] _apiClients = Array.Empty<ApiClient>();
    private readonly ApiCall? _getEndpoints, _getService;
    private readonly bool[] _nodeCutOff = Array.Empty<bool>();
    private const long TagEndpoints = 0, TagService = 1;
    // fabric8 kubernetes-client (Spring Cloud Kubernetes' client): no client-side rate limit, and a request times out
    // after 10 s (Config.DEFAULT_REQUEST_TIMEOUT); docs/model-dataplane.md, "Discovery through the API server".
    private static readonly long RequestTimeoutTicks = SimTime.FromSeconds(10);

    public DnsCaches(Simulation sim, DataPlane dp, DataPlaneConfig cfg, int nodes, int pods, ServiceTable services)
    {
        _sim = sim;
        _dp = dp;
        _cfg = cfg;
        _rng = sim.Random.Stream($"{dp.Api.Cluster}/dns-caches");
        _nameOfService = new int[services.Count];
        Array.Fill(_nameOfService, -1);
        foreach (var p in cfg.Products)
            foreach (int c in p.Calls)
                if (_nameOfService[c] < 0) _nameOfService[c] = _names++;
        _api = cfg.ApiDiscovery;
        _nodeTier = cfg.NodeLocalCache && !_api;
        _clientTier = cfg.ClientCacheTtlTicks > 0 || _api;
        _nodeLife = cfg.NodeCacheLifetimeTicks;
        // Every entry is refreshed one fixed lifetime after it was filled: FIFO lanes (and one negative lifetime after
        // a refresh failed, once one does: FailureLanes).
        sim.UseLane(_nodeLife);
        sim.UseLane(cfg.ClientCacheTtlTicks);
        int nodeEntries = _nodeTier ? nodes * _names : 0;
        _nodeValidUntil = new long[nodeEntries];
        _nodeLastGood = new long[nodeEntries];
        _nodeDemand = new int[nodeEntries];
        _demanded = new int[nodeEntries];
        _demandedAt = new int[nodeEntries];
        Array.Fill(_demandedAt, -1);
        _nodeScheduled = new bool[nodeEntries];
        int clientEntries = _clientTier ? pods * _names : 0;
        _clientValidUntil = new long[clientEntries];
        _clientScheduled = new bool[clientEntries];
        _clientGen = new int[clientEntries];
        _nodeStamp = new int[_nodeTier ? nodes : 0];
        _clientStamp = new int[_clientTier ? pods : 0];
        Array.Fill(_nodeLastGood, long.MinValue);
        if (!_api) return;
        // The products' pods run as a service account: APF's service-accounts FlowSchema, workload-low.
        var id = Identity.ServiceAccount("products", "default");
        _getEndpoints = dp.Api.DefineCall("discovery: get the Service's endpoints", id.User, id.Groups, "get", "endpoints", "products");
        _getService = dp.Api.DefineCall("discovery: get the Service", id.User, id.Groups, "get", "services", "products");
        _apiClients = new ApiClient[pods];
        _nodeCutOff = new bool[nodes];
        for (int p = 0; p < pods; p++) _apiClients[p] = dp.Api.CreateClient(double.PositiveInfinity, 1, RequestTimeoutTicks);
    }

    /// <summary>The pods on nodes [<paramref name="first"/>, <paramref name="end"/>) lose or regain their network to the API servers.</summary>
    public void OnNodesPartitioned(int first, int end, bool partitioned)
    {
        if (!_api) return;
        for (int n = first; n < end && n < _nodeCutOff.Length; n++) _nodeCutOff[n] = partitioned;
        var pods = _dp.Pods;
        for (int p = 0; p < _apiClients.Length; p++)
            if (pods.Node[p] >= first && pods.Node[p] < end) _apiClients[p].Blocked = partitioned;
    }

    public int Names => _names;

    /// <summary>When node <paramref name="node"/>'s entry for name <paramref name="name"/> last got an answer (long.MinValue: never).</summary>
    internal long NodeEntryLastGood(int node, int name) => _nodeLastGood[node * _names + name];

    /// <summary>Pods on node <paramref name="node"/> that look name <paramref name="name"/> up, and whether its entry fails now (for tests).</summary>
    internal (int Demand, bool Failing) NodeEntry(int node, int name) => (_nodeDemand[node * _names + name], NodeFailing(node * _names + name));

    /// <summary>Pod <paramref name="pod"/>'s discovery client (discovery through the API server only).</summary>
    internal ApiClient DiscoveryClient(int pod) => _apiClients[pod];
    public int NameOf(int service) => _nameOfService[service];
    public long UpstreamQueries { get; private set; }
    public long FailedUpstreamQueries { get; private set; }

    /// <summary>Entries failing now (node tier), for the time series.</summary>
    public int FailingNodeEntries
    {
        get
        {
            int f = 0;
            for (int i = 0; i < _demandedCount; i++) if (NodeFailing(_demanded[i])) f++;
            return f;
        }
    }

    /// <summary>At the start of the run, caches hold answers refreshed at spread-out moments of the last TTL.</summary>
    public void StartWarm()
    {
        long now = _sim.Now;
        for (int e = 0; e < _nodeDemand.Length; e++)
        {
            if (_nodeDemand[e] == 0) continue;
            WriteNode(e, now + (long)(_rng.NextDouble() * _nodeLife), lastGood: now);
            _nodeScheduled[e] = true;
            _sim.ScheduleAt(_nodeValidUntil[e], this, NodeRefreshKind, e);
        }
        if (!_clientTier) return;
        var pods = _dp.Pods;
        for (int pod = 0; pod < pods.Count; pod++)
        {
            if (pods.Phase[pod] != PodPhase.Running) continue;
            foreach (int c in _dp.CallsOf(pod))
            {
                int e = pod * _names + _nameOfService[c];
                WriteClient(e, now + (long)(_rng.NextDouble() * _cfg.ClientCacheTtlTicks));
                _clientScheduled[e] = true;
                _sim.ScheduleAt(_clientValidUntil[e], this, ClientRefreshKind, ClientArg(e));
            }
        }
    }

    /// <summary>A product pod started (<paramref name="running"/>) or stopped running on its node: the names it looks up gain or lose a client there.</summary>
    public void OnPodRunning(int pod, int node, bool running, bool warm)
    {
        // A pod that starts on a node cut off from the API servers is cut off with it; elsewhere it is not.
        if (_api && running && node >= 0 && node < _nodeCutOff.Length) _apiClients[pod].Blocked = _nodeCutOff[node];
        var calls = _dp.CallsOf(pod);
        foreach (int c in calls)
        {
            int name = _nameOfService[c];
            if (_nodeTier)
            {
                int e = node * _names + name;
                _nodeDemand[e] += running ? 1 : -1;
                if (running && _nodeDemand[e] == 1) AddDemanded(e);
                else if (!running && _nodeDemand[e] == 0) RemoveDemanded(e);
                if (running && !warm && !_nodeScheduled[e])
                {
                    _nodeScheduled[e] = true;
                    _sim.ScheduleAt(Math.Max(_sim.Now, _nodeValidUntil[e]), this, NodeRefreshKind, e);
                }
            }
            if (_clientTier && running && !warm)
            {
                int e = pod * _names + name;
                // A new process starts with an empty cache and its first lookup asks at once; what the pod's earlier
                // process had pending (a refresh timer, an answer on its way) is that process's, and is dropped.
                WriteClient(e, 0);
                _clientGen[e]++;
                _clientScheduled[e] = true;
                _sim.Schedule(0, this, ClientRefreshKind, ClientArg(e));
            }
        }
    }

    private bool _failureLanes;

    /// <summary>While names fail, failed entries are asked again a negative lifetime apart, in their thousands: lanes, made on the first failure.</summary>
    private void FailureLanes()
    {
        if (_failureLanes) return;
        _failureLanes = true;
        _sim.UseLane(_cfg.ServfailTtlTicks);
        _sim.UseLane(Math.Max(MinClientRetryTicks, _cfg.ClientNegativeTtlTicks));
    }

    public void OnEvent(int kind, long arg)
    {
        int e = (int)arg;
        long now = _sim.Now;
        if (kind == NodeRefreshKind)
        {
            _nodeScheduled[e] = false;
            if (_nodeDemand[e] == 0) return; // nobody on the node asks for the name any more: the entry lapses
            int node = e / _names;
            bool answered = _dp.KubeDns.Resolve(node, _rng, attempts: 1, out int sent);
            CountUpstream(sent, answered);
            if (answered)
            {
                WriteNode(e, now + _nodeLife, lastGood: now);
                _nodeScheduled[e] = true;
                _sim.Schedule(_nodeLife, this, NodeRefreshKind, e);
            }
            else
            {
                _nodeScheduled[e] = true;
                FailureLanes();
                _sim.Schedule(_cfg.ServfailTtlTicks, this, NodeRefreshKind, e);
            }
            return;
        }
        if ((int)(arg >> 32) != _clientGen[e]) return; // an earlier process's refresh
        _clientScheduled[e] = false;
        int pod = e / _names;
        var pods = _dp.Pods;
        if (pods.Phase[pod] != PodPhase.Running) return;
        if (_api)
        {
            _clientScheduled[e] = true; // until the answer comes
            _dp.Api.Send(_apiClients[pod], _getEndpoints!, this, ResponseTag.Make(TagEndpoints, e, Gen(e)));
            return;
        }
        bool ok;
        if (_nodeTier)
        {
            int name = e % _names;
            int ne = pods.Node[pod] * _names + name;
            ok = !NodeFailing(ne);
        }
        else
        {
            ok = _dp.KubeDns.Resolve(pods.Node[pod], _rng, attempts: 1 + _cfg.ClientRetries, out int sent);
            CountUpstream(sent, ok);
        }
        _clientScheduled[e] = true;
        if (ok)
        {
            WriteClient(e, now + _cfg.ClientCacheTtlTicks);
            _sim.Schedule(_cfg.ClientCacheTtlTicks, this, ClientRefreshKind, ClientArg(e));
        }
        else
        {
            FailureLanes();
            _sim.Schedule(Math.Max(MinClientRetryTicks, _cfg.ClientNegativeTtlTicks), this, ClientRefreshKind, ClientArg(e));
        }
    }

    /// <summary>Discovery through the API server: the endpoints came, then the Service; both are needed for an answer.</summary>
    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        int e = ResponseTag.Index(tag);
        if (ResponseTag.Extra(tag) != Gen(e)) return; // the answer to an earlier process of the pod
        int pod = e / _names;
        if (outcome == RequestOutcome.Ok && ResponseTag.Kind(tag) == TagEndpoints)
        {
            _dp.Api.Send(_apiClients[pod], _getService!, this, ResponseTag.Make(TagService, e, Gen(e)));
            return;
        }
        CountUpstream(1, outcome == RequestOutcome.Ok);
        if (outcome == RequestOutcome.Ok)
        {
            WriteClient(e, _sim.Now + _cfg.ClientCacheTtlTicks);
            _sim.Schedule(_cfg.ClientCacheTtlTicks, this, ClientRefreshKind, ClientArg(e));
        }
        else
        {
            _dp.KubeDns.OnDnsFailure();
            FailureLanes();
            _sim.Schedule(Math.Max(MinClientRetryTicks, _cfg.ClientNegativeTtlTicks), this, ClientRefreshKind, ClientArg(e));
        }
    }

    private long ClientArg(int e) => ((long)_clientGen[e] << 32) | (uint)e;

    // The generation as a response tag carries it (24 bits; wrapping after 8 million restarts of one pod is harmless).
    private int Gen(int e) => _clientGen[e] & 0x7FFFFF;

    /// <summary><paramref name="sent"/> queries went upstream for one refresh; all failed but the last when <paramref name="answered"/>.</summary>
    private void CountUpstream(int sent, bool answered)
    {
        if (sent == 0) return; // without CoreDNS nothing goes upstream
        UpstreamQueries += sent;
        FailedUpstreamQueries += answered ? sent - 1 : sent;
    }

    private bool NodeFailing(int e)
    {
        long now = _sim.Now;
        if (now < _nodeValidUntil[e]) return false;
        return !(_cfg.ServeStale && _nodeLastGood[e] != long.MinValue && now - _nodeLastGood[e] <= _cfg.ServeStaleForTicks);
    }

    /// <summary>Probability that pod <paramref name="pod"/>'s lookup of Service <paramref name="service"/> fails now.</summary>
    public double LookupFailure(int pod, int service) => LookupFailure(pod, service, out _);

    /// <summary>
    /// As <see cref="LookupFailure(int, int)"/>; <paramref name="until"/> is the first moment it may differ unless an
    /// entry the lookup reads is written first and <see cref="Stamp"/> moves (now: without a cache, CoreDNS's answers
    /// may change at any moment).
    /// </summary>
    public double LookupFailure(int pod, int service, out long until)
    {
        int name = _nameOfService[service];
        long now = _sim.Now;
        if (_clientTier)
        {
            long valid = _clientValidUntil[pod * _names + name];
            // An expired answer stays expired until a refresh writes the entry.
            until = now < valid ? valid : long.MaxValue;
            return now < valid ? 0 : 1;
        }
        int node = _dp.Pods.Node[pod];
        if (_nodeTier)
        {
            int e = node * _names + name;
            bool failing = NodeFailing(e);
            until = failing ? long.MaxValue : NodeFailsAt(e);
            return failing ? 1 : 0;
        }
        until = now;
        double answered = _dp.KubeDns.AnswerProbability(node);
        return Math.Pow(1 - answered, 1 + _cfg.ClientRetries);
    }

    private void AddDemanded(int e)
    {
        _demandedAt[e] = _demandedCount;
        _demanded[_demandedCount++] = e;
    }

    private void RemoveDemanded(int e)
    {
        int i = _demandedAt[e], last = _demanded[--_demandedCount];
        _demanded[i] = last;
        _demandedAt[last] = i;
        _demandedAt[e] = -1;
    }

    private void WriteNode(int e, long validUntil, long lastGood)
    {
        _nodeValidUntil[e] = validUntil;
        _nodeLastGood[e] = lastGood;
        _nodeStamp[e / _names]++;
    }

    private void WriteClient(int e, long validUntil)
    {
        _clientValidUntil[e] = validUntil;
        _clientStamp[e / _names]++;
    }

    /// <summary>When node entry <paramref name="e"/>, answering now, starts failing if nothing writes it first: when its answer expires, or when serve_stale stops serving it.</summary>
    private long NodeFailsAt(int e)
    {
        long valid = _nodeValidUntil[e];
        if (!_cfg.ServeStale || _nodeLastGood[e] == long.MinValue) return valid;
        return Math.Max(valid, _nodeLastGood[e] + _cfg.ServeStaleForTicks + 1);
    }

    /// <summary>
    /// Moves when an entry pod <paramref name="pod"/>'s lookups read is written so that what they answer changes before
    /// the moment <see cref="LookupFailure(int, int, out long)"/> gave: its own entries (client caches), its node's
    /// (NodeLocal DNSCache); always 0 without a cache.
    /// </summary>
    internal int Stamp(int pod) => _clientTier ? _clientStamp[pod] : _nodeTier ? _nodeStamp[_dp.Pods.Node[pod]] : 0;

    /// <summary>Once a second, without any cache: each running pod's lookups (and retries of failed ones) arrive at CoreDNS as a rate.</summary>
    public void TickDirectLoad()
    {
        if (_nodeTier || _clientTier) return;
        var pods = _dp.Pods;
        var products = _cfg.Products;
        for (int p = 0; p < products.Count; p++)
        {
            int running = _dp.RunningPods(p);
            if (running == 0) continue;
            double perPod = products[p].RequestRatePerSecond / running;
            int first = _dp.Services.FirstPod[p];
            for (int i = 0; i < products[p].Replicas; i++)
            {
                int pod = first + i;
                if (pods.Phase[pod] != PodPhase.Running) continue;
                foreach (int c in products[p].Calls)
                {
                    double fail = LookupFailure(pod, c);
                    double queries = perPod * (1 + _cfg.ClientRetries * fail);
                    _dp.KubeDns.OfferQueries(pods.Node[pod], queries);
                    if (fail > 0) _dp.KubeDns.OnDnsFailure();
                }
            }
        }
    }
}
