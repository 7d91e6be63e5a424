using System.Diagnostics;

namespace Cascade.Engine;

/// <summary>What one timed M/M/c run measured; the fields `cascade bench kernel -o json` prints.</summary>
public sealed record KernelBenchmarkResult(
    long Customers,
    int Servers,
    double Utilization,
    ulong Seed,
    double WallSeconds,
    double CustomersPerSecond,
    long Events,
    double EventsPerSecond,
    double MeanWait,
    double MeanWaitHalfWidth95,
    double ErlangCMeanWait)
{
    public double RelativeError => (MeanWait - ErlangCMeanWait) / ErlangCMeanWait;
}

public static class KernelBenchmark
{
    /// <summary>
    /// Runs the M/M/c model once and times it with the process's monotonic clock (wall time is
    /// measured, never simulated). Untimed runs first, for half a second, let the JIT reach its
    /// optimised tier (tiered compilation waits 100 ms of quiet before promoting hot methods), as
    /// BenchmarkDotNet's warm-up does; they use other seeds and do not touch the timed run.
    /// </summary>
    public static KernelBenchmarkResult Run(long customers, int servers, double utilization, ulong seed)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (ulong i = 1; Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 0.5; i++)
            RunOnce(100_000, servers, utilization, seed ^ (0x5EED_0000_0000UL + i));
        return RunOnce(customers, servers, utilization, seed);
    }

    private static KernelBenchmarkResult RunOnce(long customers, int servers, double utilization, ulong seed)
    {
        var sim = new Simulation(seed);
        var queue = new MmcQueue(sim, servers, utilization, customers);
        queue.Start();
        long start = Stopwatch.GetTimestamp();
        sim.Run();
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new KernelBenchmarkResult(
            customers, servers, utilization, seed, wall,
            customers / wall, sim.EventsProcessed, sim.EventsProcessed / wall,
            queue.MeanWaitSeconds, queue.MeanWaitHalfWidth95Seconds, MmcQueue.ErlangCMeanWait(servers, utilization));
    }
}
