using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane;

/// <summary>
/// A control plane built by hand, with round costs so a test can say what a request costs to the tick (1 µs):
/// a pod is 10 KB; the API server decodes 100 MB/s (100 ticks a pod) and encodes 200 MB/s (50 ticks a pod), has
/// 1 ms of fixed work a request and 2 ms more a write; etcd answers a range in 0.5 ms + 1 µs a key + 1 µs per 100
/// bytes and commits a write in 3 ms. Nothing calls it but the test.
/// </summary>
internal sealed class ApiServerRig
{
    public const long PodBytes = 10_000, NodeBytes = 15_000;
    public const long BaseCpu = 1_000, MutatingCpu = 2_000;
    public const long DecodePod = 100, EncodePod = 50;
    public const long EtcdRequest = 500, EtcdWrite = 3_000;
    public const long GiB = 1L << 30;
    public const long BaseMemory = GiB;

    public readonly Simulation Sim;
    public readonly ApiServerSet Api;
    public readonly Timeline Timeline = new();
    public readonly ApiResource Pods, Nodes;

    public ApiServerRig(int minor = 35, int replicas = 1, long pods = 1000, long memoryBytes = 100 * GiB, double goaway = 0,
        int livenessThreshold = 0, long etcdMemoryBytes = 0, int maxReplicas = 0, ApfConfiguration? apf = null, int seats = 600,
        double cpuCores = 4, KubernetesFeatures? features = null, ulong seed = 1, long baseCpu = BaseCpu, long etcdRequest = EtcdRequest,
        bool closedFormLeases = false)
    {
        Sim = new Simulation(seed);
        var resources = new ResourceRegistry();
        Pods = resources.GetOrAdd("pods", pods, PodBytes);
        Nodes = resources.GetOrAdd("nodes", 10, NodeBytes);
        Api = new ApiServerSet(Sim, "rig", Config(minor, replicas, memoryBytes, goaway, livenessThreshold, etcdMemoryBytes, maxReplicas, apf, seats,
            cpuCores, features, baseCpu, etcdRequest, closedFormLeases), resources, Timeline);
    }

    public static ApiServerConfig Config(int minor = 35, int replicas = 1, long memoryBytes = 100 * GiB, double goaway = 0, int livenessThreshold = 0,
        long etcdMemoryBytes = 0, int maxReplicas = 0, ApfConfiguration? apf = null, int seats = 600, double cpuCores = 4,
        KubernetesFeatures? features = null, long baseCpu = BaseCpu, long etcdRequest = EtcdRequest, bool closedFormLeases = false) => new()
    {
        Replicas = replicas,
        ClosedFormLeases = closedFormLeases,
        MaxReplicas = maxReplicas,
        SeatsPerReplica = seats,
        GoawayChance = goaway,
        CpuCores = cpuCores,
        MemoryBytes = memoryBytes,
        BaseMemoryBytes = BaseMemory,
        RequestTimeoutTicks = SimTime.FromSeconds(60),
        RestartTicks = SimTime.FromSeconds(30),
        Features = features ?? KubernetesVersion.Defaults(minor),
        BaseCpuTicks = baseCpu,
        MutatingCpuTicks = MutatingCpu,
        DecodeBytesPerSecond = 100e6,
        EncodeBytesPerSecond = 200e6,
        CacheScanTicksPerObject = 1,
        EtcdListMemoryFactor = 5,
        StreamedEtcdListMemoryFactor = 2,
        CacheListMemoryFactor = 3,
        StreamedCacheListMemoryFactor = 1,
        WatchCacheMemoryFactor = 2,
        WatchSendTicks = 10,
        WatchSendBytesPerSecond = 1e9,
        LivenessPeriodTicks = SimTime.FromSeconds(10),
        LivenessTimeoutTicks = SimTime.FromSeconds(15),
        LivenessFailureThreshold = livenessThreshold,
        Etcd = new EtcdConfig
        {
            Cores = 2,
            RangeBytesPerSecond = 100e6,
            RangeKeysPerSecond = 1e6,
            RequestTicks = etcdRequest,
            WriteTicks = EtcdWrite,
            MemoryBytes = etcdMemoryBytes,
            BaseMemoryBytes = GiB,
            RangeMemoryFactor = 2,
            RestartTicks = SimTime.FromSeconds(10),
            Members = 3,
            ElectionTimeoutTicks = SimTime.FromSeconds(1),
        },
        Apf = apf ?? (minor >= 20 ? ApfConfiguration.Default : MaxInflight.Configuration(seats * 2 / 3, seats / 3)),
    };

    /// <summary>etcd's time for a range over <paramref name="keys"/> pods.</summary>
    public static long EtcdRangeOfPods(long keys) => EtcdRequest + keys + keys * PodBytes / 100;

    public const string Agent = "system:serviceaccount:ops:agent";

    public ApiCall Call(string verb, string resource = "pods", string resourceVersion = "", long limit = 0, bool selector = false,
        double selectivity = 1, string? ns = null, bool indexed = false, bool initialEvents = false, int watchKey = 0, long objectBytes = 0,
        string user = Agent, IReadOnlyList<string>? groups = null) =>
        Api.DefineCall("t", user, groups ?? ApfIdentity.ServiceAccountGroups("ops"), verb, resource, ns, resourceVersion, selector, selectivity, limit,
            indexed: indexed, sendInitialEvents: initialEvents, watchKey: watchKey, objectBytes: objectBytes);

    public ApiClient Client(double qps = double.PositiveInfinity, int burst = 1, long timeoutTicks = 0, int maxRetries = 10) =>
        Api.CreateClient(qps, burst, timeoutTicks, maxRetries);

    /// <summary>Sends one request from a new client and runs until it is answered (at most <paramref name="seconds"/> of simulated time).</summary>
    public Answer Once(ApiCall call, ApiClient? client = null, double seconds = 120, Caller? caller = null)
    {
        caller ??= new Caller();
        int before = caller.Answers.Count;
        Api.Send(client ?? Client(), call, caller, 7);
        RunUntil(() => caller.Answers.Count > before, seconds);
        return caller.Answers[before];
    }

    public void RunUntil(Func<bool> done, double seconds = 120)
    {
        long horizon = Sim.Now + SimTime.FromSeconds(seconds);
        while (!done() && Sim.Now <= horizon && Sim.Run(untilTicks: horizon, maxEvents: 1) == 1) { }
        Assert.True(done(), "not done within the horizon");
    }

    public void RunFor(double seconds) => Sim.Run(untilTicks: Sim.Now + SimTime.FromSeconds(seconds));

    public IEnumerable<string> Kinds => Timeline.Entries.Select(e => e.Kind);
}

internal readonly record struct Answer(long Tag, RequestOutcome Outcome, long LatencyTicks, WatchHandle Watch);

/// <summary>A caller that writes down every answer and every broken watch.</summary>
internal sealed class Caller : IApiCaller, IWatcher
{
    public readonly List<Answer> Answers = new();
    public readonly List<long> Broken = new();
    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch) => Answers.Add(new(tag, outcome, latencyTicks, watch));
    public void OnWatchBroken(long tag) => Broken.Add(tag);
}
