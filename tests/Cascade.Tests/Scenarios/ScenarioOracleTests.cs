using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Samples;
using Cascade.Scenarios;
using Cascade.Tests.Preflight;
using Xunit.Abstractions;

namespace Cascade.Tests.Scenarios;

/// <summary>
/// Scenario-level oracles (docs/mutation.md, "Scenario-level oracles"): the bundled scenarios, run small and short,
/// checked end to end against what must hold whatever the model's details — Little's law, work conservation,
/// conservation of requests and watches, and the direction of a resource — so that a bug in the kernel, APF or the
/// request path shows up in the figures a run reports, not only in the one unit test of the part it is in. Each
/// run is observed by an event that reads the model every 100 ms and changes nothing.
/// </summary>
public class ScenarioOracleTests(ScenarioOracleTests.Runs runs, ITestOutputHelper output) : IClassFixture<ScenarioOracleTests.Runs>
{
    /// <summary>Sampling period of the observer, and its phase: half a period off the whole seconds many model events fall on.</summary>
    private static readonly long Period = SimTime.FromMilliseconds(100);

    /// <summary>Reads one cluster's API servers every <see cref="Period"/>: requests in flight, and APF's levels at every live replica.</summary>
    public sealed class Observer(ApiServerSet api, Simulation sim) : IEventHandler
    {
        // ∫ requests in flight dt in request-seconds (the samples × the period); samples of a non-exempt level at a live
        // replica with requests waiting, and of those the ones where the request next in line would have fitted in
        // the free seats; samples of a level over its current limit; samples where a level's seats were not those of
        // its executing requests (one to max seats each) plus its lingering final seats.
        public double InFlightSeconds;
        public long WaitingSamples, RoomWhileWaiting, OverLimit, SeatsUnaccounted;

        public void OnEvent(int kind, long arg)
        {
            InFlightSeconds += api.InFlight * SimTime.ToSeconds(Period);
            for (int rep = 0; rep < api.ReplicaCount; rep++)
            {
                if (!api.ReplicaUp(rep)) continue;
                var apf = api.ReplicaDispatcher(rep);
                for (int l = 0; l < api.Levels; l++)
                {
                    if (apf.Configuration.PriorityLevels[l].IsExempt) continue;
                    int seats = apf.SeatsInUse(l), limit = apf.CurrentConcurrencyLimit(l);
                    int executing = apf.ExecutingRequests(l), held = seats - apf.LingeringSeats(l);
                    if (held < executing || held > executing * apf.MaxSeatsPerRequest(l)) SeatsUnaccounted++;
                    if (seats > limit) OverLimit++;
                    if (apf.QueuedRequests(l) == 0) continue;
                    WaitingSamples++;
                    // canAccommodateSeats: a request wider than the limit runs alone, any other beside those running.
                    int next = apf.NextSeats(l);
                    if (next > limit ? executing == 0 : seats + next <= limit) RoomWhileWaiting++;
                }
            }
            sim.Schedule(Period, this, 0);
        }
    }

    public sealed record Observed(RunOutput Output, Observer Observer)
    {
        public ClusterModel Cluster => Output.Clusters[0];
        public ApiServerSet Api => Cluster.Api;
        public ApiServerMetrics Metrics => Api.Metrics;
        public ClusterResult Result => Output.Result.Clusters[0];
    }

    /// <summary>Each oracle's runs, made once for the class and only when a test asks for them.</summary>
    public sealed class Runs
    {
        private readonly Dictionary<string, Lazy<Observed>> _runs = new();

        public Observed this[string name]
        {
            get
            {
                Lazy<Observed> run;
                lock (_runs)
                    if (!_runs.TryGetValue(name, out run!))
                        _runs[name] = run = new Lazy<Observed>(() => Run(Sets[name]));
                return run.Value;
            }
        }

        private static Observed Run((string File, string[] Sets) s)
        {
            var scenario = ScenarioLoader.LoadFile(PreflightFixtures.Scenario(s.File), s.Sets);
            Observer? observer = null;
            var output = ScenarioRunner.Run(scenario, (ulong)scenario.Seed, PreflightFixtures.RepoRoot(), threads: 1, beforeStart: fleet =>
            {
                var c = fleet.Clusters[0];
                observer = new Observer(c.Api, c.Sim);
                c.Sim.Schedule(Period / 2, observer, 0);
            });
            return new Observed(output, observer!);
        }
    }

    // The runs: list-storm below and past its cliff (etcd given room, so it saturates APF without an OOM kill taking
    // replicas and their queues away), the DaemonSet restart at a tenth of its size, and every API server restarting.
    public const string Healthy = "list-storm, 200 nodes";
    public const string Saturated = "list-storm, 1,500 nodes";
    public const string DaemonSet = "daemonset-restart, 500 nodes";
    public const string Restart = "apiserver-restart, 300 nodes";

    private static readonly Dictionary<string, (string, string[])> Sets = new()
    {
        [Healthy] = ("list-storm.yaml", ["cluster.nodes=200", "duration=10m"]),
        [Saturated] = ("list-storm.yaml", ["cluster.nodes=1500", "duration=10m", "cluster.etcd.memory=1Ti"]),
        [DaemonSet] = ("daemonset-restart.yaml", ["cluster.nodes=500", "duration=10m"]),
        [Restart] = ("apiserver-restart.yaml", ["cluster.nodes=300", "duration=25m"]),
    };

    /// <summary>The runs in which no API server replica died (a death drops requests without a latency or a wait).</summary>
    public static TheoryData<string> NoDeaths => new() { Healthy, Saturated, DaemonSet };

    public static TheoryData<string> All => new() { Healthy, Saturated, DaemonSet, Restart };

    /// <summary>Five standard deviations of the error of an integral sampled every <paramref name="period"/> s over <paramref name="requests"/> independent stays: each stay is counted to within one period, uniformly, so ±period/√12 each.</summary>
    private static double SamplingTolerance(double period, long requests) => 5 * period * Math.Sqrt(requests / 12.0);

    /// <summary>A run in which no replica died: a death drops requests without a latency or a wait, and Little's law no longer adds up.</summary>
    private Observed Quiet(string name)
    {
        var run = runs[name];
        var r = run.Result.Apiserver.Restarts;
        Assert.True(r.OomKill + r.Liveness + r.Fault == 0, "a replica died: the requests it dropped left no latency behind");
        return run;
    }

    /// <summary>
    /// Little's law over a run that starts empty: ∫ N(t) dt is every finished stay, plus the stays so far of the
    /// <paramref name="stillThere"/> there at the end (each at most <paramref name="eachAtMost"/> s), within the sampling's tolerance.
    /// </summary>
    private void AssertLittlesLaw(string what, double integral, double stays, long stillThere, double eachAtMost, double tolerance)
    {
        double open = stillThere * eachAtMost;
        string figures = $"{what}: ∫ = {integral:F0} request-s, Σ finished stays = {stays:F0} s (+ up to {open:F0} s for the {stillThere} still there), ±{tolerance:F0} s";
        output.WriteLine(figures);
        Assert.True(integral >= stays - tolerance && integral <= stays + open + tolerance, figures);
    }

    [Theory]
    [MemberData(nameof(NoDeaths))]
    public void The_requests_in_flight_at_the_api_servers_average_their_throughput_times_their_mean_time_there(string name)
    {
        // Little's law over the run, which starts empty: ∫ N(t) dt = Σ every finished request's time at the API server
        // + the time so far of those still there at the end (each under the 60 s request timeout). The time of a
        // finished request is its latency (answered or timed out) or its wait in APF's queue (rejected from it).
        var run = Quiet(name);
        var m = run.Metrics;
        double stays = 0;
        foreach (var s in m.Samples)
        {
            for (int v = 0; v < MetricLabels.Verbs; v++) stays += s.RequestDuration.SumSeconds(v);
            for (int l = 0; l < run.Api.Levels; l++) stays += s.FlowControlWait.SumSeconds(2 * l);
        }
        Assert.True(stays > 0);
        AssertLittlesLaw("requests in flight", run.Observer.InFlightSeconds, stays, run.Api.InFlight, SimTime.ToSeconds(run.Api.Config.RequestTimeoutTicks),
            SamplingTolerance(SimTime.ToSeconds(Period), m.Completed + m.Rejected + m.TimedOut));
    }

    [Theory]
    [MemberData(nameof(NoDeaths))]
    public void Each_priority_levels_queue_holds_on_average_its_arrival_rate_times_its_mean_wait_in_the_time_series(string name)
    {
        // Little's law for APF's queues, from the run's own 10 s series: the queue lengths sampled once a second
        // (queued[level], a bucket's mean) against the waits of the requests that left them, dispatched or rejected
        // (apiserver_flowcontrol_request_wait_duration_seconds' sums), plus those still waiting at the end (each
        // under the queue-wait limit).
        var run = Quiet(name);
        var api = run.Api;
        bool anyQueue = false;
        for (int l = 0; l < api.Levels; l++)
        {
            double queued = 0, waits = 0;
            long left = 0;
            foreach (var s in run.Metrics.Samples)
            {
                queued += s.QueuedByLevel[l] * ApiServerMetrics.BucketSeconds;
                waits += s.FlowControlWait.SumSeconds(2 * l) + s.FlowControlWait.SumSeconds(2 * l + 1);
                left += s.FlowControlWait.RowCount(2 * l) + s.FlowControlWait.RowCount(2 * l + 1);
            }
            int waitingAtEnd = 0;
            for (int rep = 0; rep < api.ReplicaCount; rep++) waitingAtEnd += api.ReplicaDispatcher(rep).QueuedRequests(l);
            AssertLittlesLaw($"{api.LevelName(l)}'s queues", queued, waits, waitingAtEnd, SimTime.ToSeconds(api.Config.QueueWaitLimitTicks), SamplingTolerance(1, left));
            anyQueue |= queued > 0;
        }
        if (name == Saturated) Assert.True(anyQueue, "the saturated run should queue somewhere");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void A_priority_level_keeps_requests_waiting_only_while_the_next_in_line_does_not_fit_and_never_holds_more_seats_than_its_limit(string name)
    {
        // APF is work-conserving: requests wait only while the one fair queuing picks next (the smallest virtual
        // finish) does not fit beside those running. Seats are taken only within the limit; a limit lowered by
        // borrowing could leave a level over it for a while, which these runs never do.
        var run = runs[name];
        var o = run.Observer;
        Assert.True(o.RoomWhileWaiting == 0, $"{o.RoomWhileWaiting} of {o.WaitingSamples} samples with requests waiting had room for the next in line");
        Assert.True(o.OverLimit == 0, $"{o.OverLimit} samples with a level over its limit");
        if (name == Saturated) Assert.True(o.WaitingSamples > 1000, $"only {o.WaitingSamples} samples with a queue: not saturated");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Every_seat_a_priority_level_holds_belongs_to_an_executing_request_or_to_a_finished_ones_final_seats(string name)
    {
        // Conservation of seats: a request holds one to max-seats seats from dispatch to finish, and a write's final
        // seats linger for its additional latency; nothing else holds any. A seat not given back (or given back
        // twice) breaks the count at every sample after it.
        var o = runs[name].Observer;
        Assert.True(o.SeatsUnaccounted == 0, $"{o.SeatsUnaccounted} samples with seats held that no request accounts for");
    }

    [Fact]
    public void Past_the_cliff_only_workload_low_waits_and_sheds_load_while_every_other_level_is_served_on_arrival()
    {
        var run = runs[Saturated];
        var api = run.Api;
        for (int l = 0; l < api.Levels; l++)
        {
            double waits = 0;
            long served = 0;
            foreach (var s in run.Metrics.Samples)
            {
                waits += s.FlowControlWait.SumSeconds(2 * l + 1);
                served += s.FlowControlWait.RowCount(2 * l + 1);
            }
            var level = run.Result.Apiserver.PriorityLevels[l];
            if (level.Name == "workload-low")
            {
                Assert.True(level.Rejected > 0, "workload-low should shed load");
                Assert.True(waits / served > 1, $"workload-low's mean wait {waits / served:F3} s");
            }
            else
            {
                Assert.Equal(0, level.Rejected);
                Assert.True(served == 0 || waits / served < 0.001, $"{level.Name}: mean wait {waits / served:F4} s over {served} requests");
            }
        }
    }

    [Theory]
    [InlineData(Healthy)]
    [InlineData(Saturated)]
    [InlineData(Restart)]
    public void The_ten_second_series_add_up_to_the_runs_request_totals_and_issued_equals_answered_plus_in_flight(string name)
    {
        var run = runs[name];
        var m = run.Metrics;
        var r = run.Result.Apiserver.Requests;
        var samples = m.Samples;
        Assert.Equal(run.Output.Result.DurationSeconds, samples[^1].TimeSeconds);
        Assert.Equal(r.Issued, samples.Sum(s => s.Issued));
        Assert.Equal(r.Completed, samples.Sum(s => s.Completed));
        Assert.Equal(r.TimedOut, samples.Sum(s => s.TimedOut));
        Assert.Equal(r.RejectedByReason.QueueFull, samples.Sum(s => s.RejectedQueueFull));
        Assert.Equal(r.RejectedByReason.QueueWaitTimeout, samples.Sum(s => s.RejectedTimeOut));
        Assert.Equal(r.RejectedByReason.ConcurrencyLimit, samples.Sum(s => s.RejectedConcurrencyLimit));
        Assert.Equal(r.RejectedByReason.Unavailable, samples.Sum(s => s.RejectedUnavailable));
        Assert.Equal(r.Rejected - r.RejectedByReason.Unavailable, samples.Sum(s => s.RejectedByLevel.Sum()));
        Assert.Equal(r.Issued, r.Completed + r.Rejected + r.TimedOut + r.InFlight);
        // Every request answered at an API server is in the exported counts by verb and code, once.
        Assert.Equal(r.Completed + r.TimedOut + r.Rejected - r.RejectedByReason.Unavailable, samples.Sum(s => (long)s.RequestsByVerbCode.Sum()));
    }

    [Fact]
    public void Long_after_every_api_server_restarted_each_informer_holds_exactly_one_open_watch()
    {
        // Conservation of watches: the restart broke every watch; each informer re-opened one, and re-opens it
        // again when it times out (5–10 min) — closing the old one. By the end every informer is watching, and the
        // replicas hold one watch per informer, no more (a leak) and no fewer (a watch lost without its holder knowing).
        var run = runs[Restart];
        var api = run.Api;
        Assert.Equal(api.ReplicaCount, run.Result.Apiserver.Restarts.Fault);
        Assert.All(api.Informers, i => Assert.True(i.IsWatching, $"{i.Calls.Watch.Name} is not watching"));
        int open = 0;
        for (int rep = 0; rep < api.ReplicaCount; rep++)
            for (int res = 0; res < api.Resources.All.Count; res++) open += api.WatchCount(rep, res);
        Assert.Equal(api.Informers.Count, open);
        // The informers' own count agrees: every watch broke once, at the restart.
        Assert.Equal(api.Informers.Count, run.Result.Informers.BrokenWatches);
    }

    [Theory]
    [InlineData(Healthy)]
    [InlineData(DaemonSet)]
    public void Where_no_api_server_died_each_informer_holds_exactly_one_open_watch_replica_0s_first_included(string name)
    {
        // Conservation of watches without a restart: the first watch opened on replica 0 in its first life has the
        // handle (0, 0, 0), which once read as "no watch" — its informer could not close it and the replicas held one
        // watch more than there are informers.
        var run = runs[name];
        var api = run.Api;
        Assert.All(api.Informers, i => Assert.True(i.IsWatching, $"{i.Calls.Watch.Name} is not watching"));
        int open = 0;
        for (int rep = 0; rep < api.ReplicaCount; rep++)
            for (int res = 0; res < api.Resources.All.Count; res++) open += api.WatchCount(rep, res);
        Assert.Equal(api.Informers.Count, open);
    }

    [Fact]
    public void More_api_server_cores_never_raise_the_p99_of_a_cpu_bound_list_storm_and_quadrupling_them_lowers_it()
    {
        // list-storm with every agent LISTing all pods from the watch cache: no etcd in the path, the replicas' CPU
        // the bottleneck (CpuDirectionTests pins it at 32 cores with twice the nodes).
        var p99 = new List<double>();
        var answers = new List<long>();
        foreach (int cores in new[] { 4, 8, 16 })
        {
            var scenario = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm,
                ["cluster.nodes=1000", "duration=5m", "workloads[0].calls[0].resourceVersion=0", "workloads[0].calls[0].selector=\"\"", $"cluster.apiServer.cpuCores={cores}"]);
            var c = ScenarioRunner.Run(scenario, 1, threads: 1).Result.Clusters[0];
            p99.Add(c.Apiserver.PeakWindowP99Seconds);
            answers.Add(c.Workloads[0].Responses);
        }
        output.WriteLine($"p99 {string.Join(" → ", p99.Select(p => p.ToString("F2")))} s, answers {string.Join(" → ", answers)} at 4, 8, 16 cores");
        for (int i = 1; i < p99.Count; i++)
        {
            Assert.True(p99[i] <= p99[i - 1], $"p99 {string.Join(" → ", p99.Select(p => p.ToString("F2")))} s at 4, 8, 16 cores");
            Assert.True(answers[i] >= answers[i - 1], $"answers {string.Join(" → ", answers)} at 4, 8, 16 cores");
        }
        Assert.True(p99[^1] < p99[0] / 2, $"p99 {p99[0]:F2} s at 4 cores, {p99[^1]:F2} s at 16");
    }
}
