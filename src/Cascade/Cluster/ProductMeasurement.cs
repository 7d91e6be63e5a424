using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.Cluster;

/// <summary>
/// What users see of a cluster's products: each second, for each running pod of a product and each Service it
/// calls, the probability that the pod's lookup of the name fails now (its caches and CoreDNS) and the share of
/// the endpoints its node's kube-proxy routes to that are gone; a request fails if any call fails or any
/// callee's own request fails. A product's requests are not simulated one by one: requests in a 10 s bucket
/// are rate × 10 s, errors are requests × the mean failing share. Callees are measured before their callers.
/// Kept: the dependency order, traffic shifted away. Left out: retries by users, per-request latency.
/// A pod's three shares are kept from the second they were worked out while nothing they read has changed
/// (docs/model.md, "Per-second scans"): the tracked pods, the published endpoints and which kube-proxies watch
/// (each counted by a version), the pod's DNS entries (a stamp per entry's owner) and the moment its cached lookups
/// expire. The sums over pods are still taken each second in pod order, so they are the same numbers to the bit.
/// </summary>
internal sealed class ProductMeasurement
{
    private readonly DataPlane _dp;
    private readonly IReadOnlyList<ProductConfig> _products;
    private readonly int[] _order;
    private readonly double[] _errorShare;
    private readonly double[] _bucketRequests, _bucketErrors, _bucketDns, _bucketRoute;
    private readonly List<ProductSample>[] _samples;
    private double _traffic = 1;

    // Per tracked pod: its shares as last worked out, until when they hold and the DNS stamp they were worked out at.
    private readonly double[] _podOk, _podDns, _podRoute;
    private readonly long[] _podUntil;
    private readonly int[] _podStamp;
    // The versions every pod's shares were worked out at (-1: none yet).
    private long _podsEpoch = -1, _endpointsVersion = -1, _proxiesVersion = -1;

    /// <summary>Running pods' shares worked out so far (the rest of the pod-seconds were kept).</summary>
    internal long WorkedOut { get; private set; }

    /// <summary>Running pod-seconds measured so far.</summary>
    internal long Measured { get; private set; }

    /// <summary>Whether a pod's shares are kept while nothing they read changed (false: worked out every second, for tests that compare).</summary>
    internal bool ReuseUnchanged { get; set; } = true;

    public ProductMeasurement(DataPlane dp, IReadOnlyList<ProductConfig> products)
    {
        _dp = dp;
        _products = products;
        _order = TopologicalOrder(products);
        _errorShare = new double[products.Count];
        _bucketRequests = new double[products.Count];
        _bucketErrors = new double[products.Count];
        _bucketDns = new double[products.Count];
        _bucketRoute = new double[products.Count];
        _samples = new List<ProductSample>[products.Count];
        for (int p = 0; p < products.Count; p++) _samples[p] = new List<ProductSample>();
        int pods = dp.Pods.Count;
        _podOk = new double[pods];
        _podDns = new double[pods];
        _podRoute = new double[pods];
        _podUntil = new long[pods];
        _podStamp = new int[pods];
    }

    public IReadOnlyList<ProductSample> Samples(int product) => _samples[product];

    /// <summary>Error rate of the products' requests over the last bucket (request-weighted).</summary>
    public double LastErrorRate { get; private set; }

    public void ShiftTrafficAway(double fraction) => _traffic *= 1 - Math.Clamp(fraction, 0, 1);

    /// <summary>One second of users' requests: each product's failing share now, added to the bucket.</summary>
    public void Sample(double tickSeconds)
    {
        var products = _products;
        var pods = _dp.Pods;
        long now = _dp.Now;
        // A change to the pods, the endpoints or a kube-proxy's watch can move any pod's shares: all are worked out again.
        bool keep = ReuseUnchanged && pods.Epoch == _podsEpoch && _dp.Endpoints.Version == _endpointsVersion && _dp.KubeProxies.Version == _proxiesVersion;
        _podsEpoch = pods.Epoch;
        _endpointsVersion = _dp.Endpoints.Version;
        _proxiesVersion = _dp.KubeProxies.Version;
        foreach (int p in _order)
        {
            var product = products[p];
            int first = _dp.Services.FirstPod[p];
            double ok = 0, dnsOk = 0, routeOk = 0;
            int running = 0;
            for (int i = 0; i < product.Replicas; i++)
            {
                int pod = first + i;
                if (pods.Phase[pod] != PodPhase.Running) continue;
                running++;
                Measured++;
                if (!keep || now >= _podUntil[pod] || _dp.Caches.Stamp(pod) != _podStamp[pod]) WorkOut(pod, product);
                ok += _podOk[pod];
                dnsOk += _podDns[pod];
                routeOk += _podRoute[pod];
            }
            double own = running == 0 ? 1 : 1 - ok / running;
            double success = 1 - own;
            foreach (int c in product.Calls) success *= 1 - _errorShare[c];
            _errorShare[p] = 1 - success;
            double requests = product.RequestRatePerSecond * _traffic * tickSeconds;
            _bucketRequests[p] += requests;
            _bucketErrors[p] += requests * _errorShare[p];
            _bucketDns[p] += running == 0 ? 0 : 1 - dnsOk / running;
            _bucketRoute[p] += running == 0 ? 1 : 1 - routeOk / running;
        }
    }

    /// <summary>Running pod <paramref name="pod"/>'s shares of lookups that succeed, of routes to live endpoints and of both, and until when they hold.</summary>
    private void WorkOut(int pod, ProductConfig product)
    {
        WorkedOut++;
        long seen = _dp.KubeProxies.SeenAt(_dp.Pods.Node[pod]);
        double podOk = 1, podDns = 1, podRoute = 1;
        long until = long.MaxValue;
        foreach (int c in product.Calls)
        {
            double lookup = _dp.Caches.LookupFailure(pod, c, out long lookupUntil);
            double gone = _dp.Endpoints.GoneFraction(c, _dp.Endpoints.View(c, seen));
            until = Math.Min(until, lookupUntil);
            podDns *= 1 - lookup;
            podRoute *= 1 - gone;
            podOk *= (1 - lookup) * (1 - gone);
        }
        _podOk[pod] = podOk;
        _podDns[pod] = podDns;
        _podRoute[pod] = podRoute;
        _podUntil[pod] = until;
        _podStamp[pod] = _dp.Caches.Stamp(pod);
    }

    /// <summary>Closes the bucket ending at <paramref name="timeSeconds"/>, <paramref name="ticks"/> one-second samples long.</summary>
    public void Flush(double timeSeconds, int ticks)
    {
        double requests = 0, errors = 0;
        for (int p = 0; p < _samples.Length; p++)
        {
            requests += _bucketRequests[p];
            errors += _bucketErrors[p];
            _samples[p].Add(new ProductSample(timeSeconds, _bucketRequests[p], _bucketErrors[p], _bucketDns[p] / ticks, _bucketRoute[p] / ticks));
            _bucketRequests[p] = _bucketErrors[p] = _bucketDns[p] = _bucketRoute[p] = 0;
        }
        LastErrorRate = requests > 0 ? errors / requests : 0;
    }

    private static int[] TopologicalOrder(IReadOnlyList<ProductConfig> products)
    {
        var order = new List<int>();
        var state = new byte[products.Count];
        void Visit(int p)
        {
            if (state[p] == 2) return;
            if (state[p] == 1) throw new InputException($"products call each other in a cycle through '{products[p].Name}'", field: "products");
            state[p] = 1;
            foreach (int c in products[p].Calls) if (c < products.Count) Visit(c);
            state[p] = 2;
            order.Add(p);
        }
        for (int p = 0; p < products.Count; p++) Visit(p);
        return order.ToArray();
    }
}
