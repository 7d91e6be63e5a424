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
    }

    public IReadOnlyList<ProductSample> Samples(int product) => _samples[product];

    /// <summary>Error rate of the products' requests over the last bucket (request-weighted).</summary>
    public double LastErrorRate { get; private set; }

    public void ShiftTrafficAway(double fraction) => _traffic *= 1 - Math.Clamp(fraction, 0, 1);

    /// <summary>One second of users' requests: each product's failing share now, added to the bucket.</summary>
    public void Sample(double tickSeconds)
    {
        var products = _products;
        foreach (int p in _order)
        {
            var product = products[p];
            int first = _dp.Services.FirstPod[p];
            double ok = 0, dnsOk = 0, routeOk = 0;
            int running = 0;
            for (int i = 0; i < product.Replicas; i++)
            {
                int pod = first + i;
                if (_dp.Pods.Phase[pod] != PodPhase.Running) continue;
                running++;
                long seen = _dp.KubeProxies.SeenAt(_dp.Pods.Node[pod]);
                double podOk = 1, podDns = 1, podRoute = 1;
                foreach (int c in product.Calls)
                {
                    double lookup = _dp.Caches.LookupFailure(pod, c);
                    double gone = _dp.Endpoints.GoneFraction(c, _dp.Endpoints.View(c, seen));
                    podDns *= 1 - lookup;
                    podRoute *= 1 - gone;
                    podOk *= (1 - lookup) * (1 - gone);
                }
                ok += podOk;
                dnsOk += podDns;
                routeOk += podRoute;
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
