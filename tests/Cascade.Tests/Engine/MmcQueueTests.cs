using Cascade.Engine;

namespace Cascade.Tests.Engine;

/// <summary>
/// Small M/M/c runs, fast enough for mutation testing, checked against a plain reference queue (a
/// <see cref="Queue{T}"/> line on the same kernel drawing from the same named streams in the same order) and
/// against queueing theory.
/// </summary>
public class MmcQueueTests
{
    /// <summary>The textbook queue written the obvious way, for comparison.</summary>
    private sealed class Reference : IEventHandler
    {
        private readonly Simulation _sim;
        private readonly RandomStream _arrivals, _service;
        private readonly double _interarrival, _serviceMean;
        private readonly int _servers;
        private readonly long _customers;
        private readonly Queue<long> _line = new();
        private int _busy;
        private long _arrived;
        public long Served;
        public double TotalWait;
        public int LongestLine;

        public Reference(Simulation sim, int servers, double rho, long customers, double meanServiceSeconds)
        {
            _sim = sim;
            _servers = servers;
            _customers = customers;
            _serviceMean = meanServiceSeconds * SimTime.TicksPerSecond;
            _interarrival = _serviceMean / (servers * rho);
            _arrivals = sim.Random.Stream("mmc.arrivals");
            _service = sim.Random.Stream("mmc.service");
        }

        public void Start() => Arrive();

        private void Arrive() => _sim.Schedule((long)(_arrivals.NextExponential(_interarrival) + 0.5), this, 0);

        private void Serve(long wait)
        {
            long s = (long)(_service.NextExponential(_serviceMean) + 0.5);
            TotalWait += wait;
            Served++;
            _sim.Schedule(s, this, 1);
        }

        public void OnEvent(int kind, long arg)
        {
            if (kind == 0)
            {
                if (++_arrived < _customers) Arrive();
                if (_busy < _servers) { _busy++; Serve(0); }
                else { _line.Enqueue(_sim.Now); LongestLine = Math.Max(LongestLine, _line.Count); }
            }
            else if (_line.Count > 0) Serve(_sim.Now - _line.Dequeue());
            else _busy--;
        }
    }

    private static (MmcQueue Queue, Simulation Sim) Run(int servers, double rho, long customers, ulong seed, double service = 1.0, int line = 1024)
    {
        var sim = new Simulation(seed);
        var q = new MmcQueue(sim, servers, rho, customers, service, line);
        q.Start();
        sim.Run();
        return (q, sim);
    }

    private static (Reference Queue, Simulation Sim) RunReference(int servers, double rho, long customers, ulong seed, double service = 1.0)
    {
        var sim = new Simulation(seed);
        var q = new Reference(sim, servers, rho, customers, service);
        q.Start();
        sim.Run();
        return (q, sim);
    }

    [Theory]
    [InlineData(1, 0.5, 20_000, 3UL, 1.0, 1024)]
    [InlineData(3, 0.8, 20_000, 4UL, 0.25, 1024)]
    [InlineData(1, 0.95, 20_000, 5UL, 1.0, 2)]   // a line of 2 slots that must grow, wrapped, many times
    public void Every_customer_waits_exactly_as_long_as_in_the_plain_reference_queue(int servers, double rho, long customers, ulong seed, double service, int line)
    {
        var (q, sim) = Run(servers, rho, customers, seed, service, line);
        var (r, rsim) = RunReference(servers, rho, customers, seed, service);
        Assert.Equal(customers, q.Served);
        Assert.Equal(r.Served, q.Served);
        Assert.Equal(r.TotalWait / r.Served / SimTime.TicksPerSecond, q.MeanWaitSeconds);
        Assert.Equal(rsim.Now, sim.Now);
        Assert.Equal(rsim.EventsProcessed, sim.EventsProcessed);
        Assert.Equal(2 * customers, sim.EventsProcessed);
        Assert.True(r.LongestLine > 8 * line || line == 1024, $"longest line {r.LongestLine}");
        Assert.Equal(rho, q.Utilization);
        Assert.Equal(service, q.MeanServiceSeconds);
    }

    [Fact]
    public void A_queue_nobody_has_used_reports_no_wait_and_no_interval()
    {
        var q = new MmcQueue(new Simulation(1), 2, 0.5, 100);
        Assert.Equal(0, q.Served);
        Assert.Equal(0.0, q.MeanWaitSeconds);
        Assert.True(double.IsNaN(q.MeanWaitHalfWidth95Seconds));
    }

    [Fact]
    public void The_interval_is_reported_only_for_a_finished_run_with_at_least_two_batches()
    {
        var sim = new Simulation(2);
        var q = new MmcQueue(sim, 1, 0.5, 6_400);
        q.Start();
        sim.Run(maxEvents: 6_000);
        Assert.True(double.IsNaN(q.MeanWaitHalfWidth95Seconds), "an unfinished run");
        sim.Run();
        Assert.False(double.IsNaN(q.MeanWaitHalfWidth95Seconds));

        var one = Run(1, 0.5, 1, 3).Queue;   // one customer: one batch, no spread to measure
        Assert.True(double.IsNaN(one.MeanWaitHalfWidth95Seconds));
        var two = Run(1, 0.5, 2, 3).Queue;   // two customers: two batches of one
        Assert.False(double.IsNaN(two.MeanWaitHalfWidth95Seconds));
    }

    [Fact]
    public void The_batch_means_interval_covers_Erlang_C_about_95_times_in_100_and_narrows_with_more_customers()
    {
        double truth = MmcQueue.ErlangCMeanWait(2, 0.7);
        int covered = 0;
        double widthSmall = 0, widthLarge = 0;
        const int seeds = 20;
        for (ulong seed = 1; seed <= seeds; seed++)
        {
            var q = Run(2, 0.7, 10_000, seed).Queue;
            double hw = q.MeanWaitHalfWidth95Seconds;
            Assert.InRange(hw, 1e-6, 0.5 * truth);
            if (Math.Abs(q.MeanWaitSeconds - truth) <= hw) covered++;
            widthSmall += hw;
            widthLarge += Run(2, 0.7, 40_000, seed + 1000).Queue.MeanWaitHalfWidth95Seconds;
        }
        Assert.InRange(covered, 15, 20);   // 95 % of 20 is 19; a binomial's 3σ low end is about 16
        // Four times the customers, half the width (1/√n), give or take the noise of 20 estimates.
        Assert.InRange(widthLarge / widthSmall, 0.35, 0.65);
    }

    [Fact]
    public void A_queue_refuses_no_servers_and_an_unstable_or_empty_load()
    {
        var sim = new Simulation(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmcQueue(sim, 0, 0.5, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmcQueue(sim, 1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmcQueue(sim, 1, -0.1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmcQueue(sim, 1, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmcQueue(sim, 1, 1.5, 10));
        Assert.Equal(0.99, new MmcQueue(sim, 1, 0.99, 10).Utilization);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmcQueue(sim, 1, 0.5, 10, initialLineCapacity: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MmcQueue(sim, 1, 0.5, 10, initialLineCapacity: 3));
        Assert.Equal(1, new MmcQueue(sim, 1, 0.5, 10, initialLineCapacity: 1).Served + 1);
    }

    [Fact]
    public void Erlang_C_for_several_servers_matches_its_textbook_values()
    {
        // M/M/3 at a = 2 Erlangs (ρ = 2/3): P(wait) = 4/9, Wq = P / (3 − 2) = 4/9 of a service time.
        Assert.Equal(4.0 / 9, MmcQueue.ErlangCMeanWait(3, 2.0 / 3), 12);
        // M/M/4 at a = 3 (ρ = 0.75): P(wait) = 27/53 ≈ 0.5094, Wq = P / (4 − 3).
        Assert.Equal(27.0 / 53, MmcQueue.ErlangCMeanWait(4, 0.75), 12);
        // In units of the service time: a service twice as long waits twice as long.
        Assert.Equal(2 * 27.0 / 53, MmcQueue.ErlangCMeanWait(4, 0.75, 2.0), 12);
    }
}
