using Cascade.Engine;

namespace Cascade.Tests.Engine;

/// <summary>The kernel reproduces queueing theory: if these fail, no model built on it can be trusted.</summary>
public class QueueValidationTests
{
    private static double RelativeError(int servers, double rho, long customers, ulong seed)
    {
        var sim = new Simulation(seed);
        var q = new MmcQueue(sim, servers, rho, customers);
        q.Start();
        sim.Run();
        Assert.Equal(customers, q.Served);
        return q.MeanWaitSeconds / MmcQueue.ErlangCMeanWait(servers, rho) - 1;
    }

    [Fact]
    public void Erlang_C_matches_the_closed_form_of_M_M_1()
    {
        // M/M/1: Wq = ρ / (μ − λ) with μ = 1.
        Assert.Equal(0.5 / (1 - 0.5), MmcQueue.ErlangCMeanWait(1, 0.5), 12);
        Assert.Equal(0.9 / (1 - 0.9), MmcQueue.ErlangCMeanWait(1, 0.9), 12);
        // M/M/2 at ρ = 0.5: P(wait) = 1/3, Wq = P / (2μ − λ) = 1/3.
        Assert.Equal(1.0 / 3, MmcQueue.ErlangCMeanWait(2, 0.5), 12);
    }

    [Fact]
    public void An_M_M_1_queue_on_the_kernel_waits_as_long_as_theory_says()
    {
        // 10M customers at ρ = 0.5: the batch-means standard error is ≈ 0.15%, so 1% is a real test.
        Assert.InRange(RelativeError(1, 0.5, 10_000_000, seed: 7), -0.01, 0.01);
    }

    [Fact]
    public void An_M_M_4_queue_on_the_kernel_waits_as_long_as_Erlang_C_says()
    {
        Assert.InRange(RelativeError(4, 0.6, 10_000_000, seed: 11), -0.01, 0.01);
    }

    [Fact]
    public void A_too_short_queue_run_is_detectably_wrong_so_the_checks_above_can_fail()
    {
        // With a wrong service rate the same check must fail: a 10% faster server is far outside 1%.
        var sim = new Simulation(7);
        var q = new MmcQueue(sim, 1, 0.5, 2_000_000, meanServiceSeconds: 0.9);
        q.Start();
        sim.Run();
        double error = q.MeanWaitSeconds / MmcQueue.ErlangCMeanWait(1, 0.5) - 1;
        Assert.True(Math.Abs(error) > 0.05, $"error {error}");
    }

    [Fact]
    public void One_seed_gives_an_identical_run_and_another_seed_a_different_one()
    {
        static (double Wait, long Events, long End) RunWith(ulong seed)
        {
            var sim = new Simulation(seed);
            var q = new MmcQueue(sim, 4, 0.9, 200_000);
            q.Start();
            sim.Run();
            return (q.MeanWaitSeconds, sim.EventsProcessed, sim.Now);
        }
        Assert.Equal(RunWith(42), RunWith(42));
        Assert.NotEqual(RunWith(42).Wait, RunWith(43).Wait);
        Assert.NotEqual(RunWith(42).End, RunWith(43).End);
    }
}
