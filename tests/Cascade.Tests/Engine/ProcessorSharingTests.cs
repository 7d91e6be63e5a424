using Cascade.Engine;

namespace Cascade.Tests.Engine;

public class ProcessorSharingTests
{
    private sealed class Done : ProcessorSharingServer.IClient
    {
        private readonly Simulation _sim;
        public readonly Dictionary<int, long> At = new();
        public Done(Simulation sim) => _sim = sim;
        public void OnServed(int job) => At[job] = _sim.Now;
    }

    [Fact]
    public void Jobs_up_to_the_core_count_each_run_at_full_speed()
    {
        var sim = new Simulation(1);
        var done = new Done(sim);
        var cpu = new ProcessorSharingServer(sim, 4, done);
        for (int j = 0; j < 4; j++) cpu.Add(j, 1_000_000);
        sim.Run();
        Assert.All(done.At.Values, t => Assert.Equal(1_000_000, t));
    }

    [Fact]
    public void More_jobs_than_cores_share_them_and_all_slow_down_alike()
    {
        var sim = new Simulation(1);
        var done = new Done(sim);
        var cpu = new ProcessorSharingServer(sim, 2, done);
        for (int j = 0; j < 4; j++) cpu.Add(j, 1_000_000);
        sim.Run();
        // 4 jobs on 2 cores: each at half speed, all done at 2 s.
        Assert.All(done.At.Values, t => Assert.InRange(t, 1_999_999, 2_000_001));
    }

    [Fact]
    public void A_short_job_leaves_early_and_the_rest_speed_up()
    {
        var sim = new Simulation(1);
        var done = new Done(sim);
        var cpu = new ProcessorSharingServer(sim, 1, done);
        cpu.Add(0, 1_000_000);
        cpu.Add(1, 3_000_000);
        sim.Run();
        // Both at half speed until job 0 finishes at 2 s; job 1 then has 2 s of work left at full speed.
        Assert.InRange(done.At[0], 1_999_999, 2_000_001);
        Assert.InRange(done.At[1], 3_999_999, 4_000_001);
    }

    [Fact]
    public void A_removed_job_never_finishes_and_frees_its_share()
    {
        var sim = new Simulation(1);
        var done = new Done(sim);
        var cpu = new ProcessorSharingServer(sim, 1, done);
        cpu.Add(0, 1_000_000);
        cpu.Add(1, 1_000_000);
        sim.Run(untilTicks: 500_000);
        Assert.True(cpu.Remove(1));
        sim.Run();
        Assert.False(done.At.ContainsKey(1));
        // 0.5 s at half speed (0.25 s of work), then 0.75 s alone.
        Assert.InRange(done.At[0], 1_249_999, 1_250_001);
    }
}
