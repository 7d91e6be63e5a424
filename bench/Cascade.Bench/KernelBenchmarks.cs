using BenchmarkDotNet.Attributes;
using Cascade.Engine;

namespace Cascade.Bench;

/// <summary>
/// The `cascade bench kernel` model under BenchmarkDotNet: an M/M/4 queue at ρ = 0.9. One operation is
/// one customer (two events), so the reported time per operation is the kernel's cost per customer and
/// the allocation column must read zero bytes per operation.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int Customers = 1_000_000;

    [Params(1, 4)]
    public int Servers { get; set; }

    [Benchmark(OperationsPerInvoke = Customers)]
    public double MmcQueue()
    {
        var sim = new Simulation(1);
        var q = new Cascade.Engine.MmcQueue(sim, Servers, 0.9, Customers);
        q.Start();
        sim.Run();
        return q.MeanWaitSeconds;
    }

    [Benchmark(OperationsPerInvoke = 1_000_000)]
    public int ScheduleAndCancelTimeouts()
    {
        // The timeout pattern: every request arms a timeout and cancels it when it completes.
        var sim = new Simulation(1);
        var h = new NullHandler();
        int cancelled = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            var t = sim.Schedule(60_000_000 + i, h, 0);
            sim.Schedule(i, h, 1);
            if (sim.Cancel(t)) cancelled++;
            if ((i & 1023) == 0) sim.Run(untilTicks: sim.Now + 1024);
        }
        sim.Run();
        return cancelled;
    }

    private sealed class NullHandler : IEventHandler
    {
        public void OnEvent(int kind, long arg) { }
    }
}
