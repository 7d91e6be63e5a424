using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane;

/// <summary>
/// One etcd on its own (Etcd.cs), its jobs sent by hand: 2 cores; a range costs 0.5 ms + 1 µs a key + 1 µs per
/// 100 bytes; a write 3 ms; memory 1 GiB at rest plus twice what the ranges in flight have read so far.
/// </summary>
public class EtcdTests
{
    private const long GiB = 1L << 30;

    private sealed class Client : Etcd.IClient
    {
        public readonly List<(int Job, long At)> Served = new();
        public int Downs;
        public Simulation Sim = null!;
        public void OnServed(int job) => Served.Add((job, Sim.Now));
        public void OnEtcdDown() => Downs++;
    }

    private static (Simulation Sim, Etcd Etcd, Client Client, Timeline Timeline) Make(long memoryBytes = 0, int members = 3, double cores = 2)
    {
        var sim = new Simulation(3);
        var client = new Client { Sim = sim };
        var timeline = new Timeline();
        var config = new EtcdConfig
        {
            Cores = cores, RangeBytesPerSecond = 100e6, RangeKeysPerSecond = 1e6, RequestTicks = 500, WriteTicks = 3_000,
            MemoryBytes = memoryBytes, BaseMemoryBytes = GiB, RangeMemoryFactor = 2, RestartTicks = SimTime.FromSeconds(10),
            Members = members, ElectionTimeoutTicks = SimTime.FromSeconds(1),
        };
        return (sim, new Etcd(sim, config, "c1", timeline, client), client, timeline);
    }

    [Fact]
    public void A_range_costs_a_fixed_part_plus_its_keys_and_bytes_and_a_write_its_commit()
    {
        var (sim, etcd, client, _) = Make();
        Assert.Equal(500 + 1_000 + 100_000, etcd.RangeTicks(1_000, 10_000_000));
        Assert.Equal(101_500, etcd.Range(4, 1_000, 10_000_000));
        etcd.Write(9);
        Assert.Equal((1, 2, true, true, false), (etcd.RangesInFlight, etcd.Jobs, etcd.Contains(4), etcd.Contains(9), etcd.Contains(5)));
        Assert.False(etcd.Contains(10_000));
        Assert.Equal(2.0, etcd.BusyCores);
        sim.Run();
        Assert.Equal([(9, 3_000L), (4, 101_500L)], client.Served);
        Assert.Equal((0, 0), (etcd.RangesInFlight, etcd.Jobs));
        Assert.Equal(104_500, etcd.BusyCoreTicks, 6);
        Assert.Equal(GiB, etcd.MemoryBytes);
    }

    [Fact]
    public void A_paginated_read_pays_each_of_its_ranges_fixed_part_and_holds_only_its_largest_response()
    {
        // 1,000 keys, 10 MB: as one range, or as 4 ranges (3 more fixed parts) holding at most 4 MB at once.
        var (sim, etcd, client, _) = Make();
        Assert.Equal(101_500 + 3 * 500, etcd.Range(1, 1_000, 10_000_000, 4_000_000, 4));
        sim.Run(untilTicks: 103_000 / 2);
        // Halfway through its work it holds half of its largest response (× the factor 2), not half of everything.
        Assert.Equal(GiB + 2 * 2_000_000.0, etcd.MemoryBytes, 0);
        sim.Run();
        Assert.Equal([(1, 103_000L)], client.Served);

        var (wholeSim, whole, _, _) = Make();
        Assert.Equal(101_500, whole.Range(1, 1_000, 10_000_000));
        wholeSim.Run(untilTicks: 101_500 / 2);
        Assert.Equal(GiB + 2 * 5_000_000.0, whole.MemoryBytes, 0);
    }

    [Fact]
    public void Ranges_share_the_cores_one_core_each_at_most()
    {
        var (sim, etcd, client, _) = Make();
        for (int j = 0; j < 4; j++) etcd.Range(j, 0, 99_950_000); // 1 s each
        sim.Run();
        Assert.All(client.Served, s => Assert.Equal(SimTime.FromSeconds(2), s.At));
    }

    [Fact]
    public void A_range_holds_what_it_has_read_so_far_twice_over_and_nothing_once_done()
    {
        var (sim, etcd, _, _) = Make();
        etcd.Range(0, 0, 9_950_000); // 100 ms reading 9,950,000 bytes
        sim.Run(untilTicks: SimTime.FromMilliseconds(50));
        Assert.Equal(GiB + 2 * 9_950_000 / 2.0, etcd.MemoryBytes, 0);
        etcd.Range(1, 0, 9_950_000);
        sim.Run(untilTicks: SimTime.FromMilliseconds(75));
        Assert.Equal(GiB + 2 * (0.75 + 0.25) * 9_950_000, etcd.MemoryBytes, 0);
        etcd.Remove(1);
        Assert.False(etcd.Contains(1));
        Assert.Equal(GiB + 2 * 0.75 * 9_950_000, etcd.MemoryBytes, 0);
        etcd.Remove(1); // gone already: nothing
        sim.Run();
        Assert.Equal(GiB, etcd.MemoryBytes);
    }

    [Fact]
    public void A_removed_job_is_never_served_and_job_numbers_grow_past_the_first_arrays()
    {
        var (sim, etcd, client, _) = Make();
        etcd.Range(1_000, 10, 1_000);
        etcd.Write(2_000);
        etcd.Remove(1_000);
        sim.Run();
        Assert.Equal([(2_000, 3_000L)], client.Served);
    }

    [Fact]
    public void Concurrent_large_ranges_oom_kill_etcd_the_moment_their_memory_reaches_its_limit()
    {
        // Limit: 1 GiB + 100 MB. Two ranges of 100 MB in 1 s each hold 2 × 2 × 100 MB × t: the limit at t = 0.25 s.
        var (sim, etcd, client, timeline) = Make(memoryBytes: GiB + 100_000_000);
        etcd.Range(0, 0, 99_950_000);
        etcd.Range(1, 0, 99_950_000);
        etcd.Write(2);
        sim.Run(untilTicks: SimTime.FromSeconds(0.24));
        Assert.True(etcd.Up);
        sim.Run(untilTicks: SimTime.FromSeconds(0.26));
        Assert.False(etcd.Up);
        Assert.Equal((1, 1), (etcd.Ooms, client.Downs));
        var e = Assert.Single(timeline.Entries);
        Assert.Equal(("etcd-oom-kill", "etcd OOM-killed: 1.1 GiB over its 1.1 GiB limit with 2 ranges in flight"), (e.Kind, e.Message));
        // The write shares the cores for its first 4.5 ms, so the ranges reach 0.25 s of their work at 0.2515 s.
        Assert.InRange(e.Time, 0.2515, 0.2520);
        Assert.Equal(GiB, etcd.MemoryBytes, 0); // the ranges start over
        Assert.Equal([(2, 4_500L)], client.Served); // the write was done before
        Assert.Equal(2, etcd.Jobs);
        // Back after its restart time, with the ranges in flight re-sent from the start: 0.25 s into them it dies again.
        sim.Run(untilTicks: SimTime.FromSeconds(10.25));
        Assert.False(etcd.Up);
        sim.Run(untilTicks: SimTime.FromSeconds(10.26));
        Assert.True(etcd.Up);
        Assert.Equal("restart", timeline.Entries[1].Kind);
        Assert.Equal("etcd serving again; 2 requests waiting for it", timeline.Entries[1].Message);
        sim.Run(untilTicks: SimTime.FromSeconds(10.5));
        Assert.Equal(1, etcd.Ooms);
        sim.Run(untilTicks: SimTime.FromSeconds(10.51));
        Assert.Equal(2, etcd.Ooms);
        Assert.Equal(["etcd-oom-kill", "restart", "etcd-oom-kill", "crash-loop"], timeline.Entries.Select(x => x.Kind));
        Assert.Equal("etcd in CrashLoopBackOff: back in 20 s", timeline.Entries[3].Message);
        sim.Run(untilTicks: SimTime.FromSeconds(30.5));
        Assert.False(etcd.Up);
        sim.Run(untilTicks: SimTime.FromSeconds(30.51));
        Assert.True(etcd.Up);
    }

    [Fact]
    public void Without_a_memory_limit_etcd_never_dies_of_its_ranges()
    {
        var (sim, etcd, _, _) = Make(memoryBytes: 0);
        for (int j = 0; j < 10; j++) etcd.Range(j, 0, 1_000_000_000);
        sim.Run();
        Assert.Equal(0, etcd.Ooms);
    }

    [Fact]
    public void Ranges_that_leave_in_time_keep_etcd_alive_below_its_limit()
    {
        // One 100 MB range holds at most 200 MB, under a 300 MB headroom.
        var (sim, etcd, client, _) = Make(memoryBytes: GiB + 300_000_000);
        etcd.Range(0, 0, 99_950_000);
        sim.Run(untilTicks: SimTime.FromSeconds(0.5));
        etcd.Range(1, 0, 99_950_000); // together: 100 + 2 × 100 MB × t more: the limit at 1 s, when the first has left
        sim.Run();
        Assert.Equal((0, 2), (etcd.Ooms, client.Served.Count));
    }

    [Fact]
    public void Losing_one_member_of_three_costs_a_leader_election_and_a_third_of_the_cores_until_it_is_back()
    {
        var (sim, etcd, client, timeline) = Make();
        etcd.KillMembers(1, SimTime.FromSeconds(30));
        Assert.Equal((true, 2, 1, 0), (etcd.Up, etcd.MembersUp, etcd.Elections, etcd.FaultKills));
        var e = Assert.Single(timeline.Entries);
        Assert.Equal("etcd-election", e.Kind);
        Assert.StartsWith("etcd lost 1 of 3 members, the leader among them: 2 serve after a leader election of ", e.Message);
        etcd.Write(0);
        sim.Run(untilTicks: SimTime.FromSeconds(0.99));
        Assert.Empty(client.Served); // no leader yet: nothing is served for at least one election timeout
        sim.Run(untilTicks: SimTime.FromSeconds(2.01));
        var served = Assert.Single(client.Served);
        Assert.InRange(served.At, SimTime.FromSeconds(1) + 3_000, SimTime.FromSeconds(2) + 3_000);
        // Two members of three: 2 × 2/3 cores. Two 1-s ranges on 1.33 cores take 1.5 s.
        long start = sim.Now;
        etcd.Range(1, 0, 99_950_000);
        etcd.Range(2, 0, 99_950_000);
        sim.Run(untilTicks: SimTime.FromSeconds(25));
        Assert.Equal(start + SimTime.FromSeconds(1.5), client.Served[^1].At, 1.0);
        sim.Run(untilTicks: SimTime.FromSeconds(31));
        Assert.Equal(3, etcd.MembersUp);
        Assert.Equal("1 etcd member(s) back: 3 of 3 serving", timeline.Entries[^1].Message);
        etcd.Range(3, 0, 99_950_000);
        etcd.Range(4, 0, 99_950_000);
        sim.Run();
        Assert.Equal(SimTime.FromSeconds(32), client.Served[^1].At);
    }

    [Fact]
    public void Losing_the_majority_stops_etcd_until_the_members_are_back()
    {
        var (sim, etcd, client, timeline) = Make();
        etcd.Range(0, 1, 100);
        etcd.KillMembers(2, SimTime.FromSeconds(20));
        Assert.Equal((false, 1, 0, 1), (etcd.Up, etcd.FaultKills, etcd.Elections, client.Downs));
        Assert.Equal("etcd lost quorum (2 of 3 members killed): down for 20 s with 1 ranges in flight", Assert.Single(timeline.Entries).Message);
        etcd.KillMembers(1, SimTime.FromSeconds(20)); // already down: nothing more
        Assert.Equal(1, etcd.FaultKills);
        sim.Run(untilTicks: SimTime.FromSeconds(19.9));
        Assert.Empty(client.Served);
        sim.Run(untilTicks: SimTime.FromSeconds(21));
        Assert.Equal(SimTime.FromSeconds(20) + 502, Assert.Single(client.Served).At);
    }

    [Fact]
    public void Killing_every_member_is_losing_quorum()
    {
        var (_, etcd, _, _) = Make(members: 5);
        etcd.KillMembers(0, SimTime.FromSeconds(20));
        Assert.Equal((false, 1), (etcd.Up, etcd.FaultKills));
        var (_, five, _, _) = Make(members: 5);
        five.KillMembers(2, SimTime.FromSeconds(20));
        Assert.Equal((true, 3, 1), (five.Up, five.MembersUp, five.Elections));
        five.KillMembers(1, SimTime.FromSeconds(20)); // 2 of 5 left: no majority
        Assert.Equal((false, 1), (five.Up, five.FaultKills));
    }

    [Fact]
    public void A_restart_during_an_election_waits_for_the_leader()
    {
        var (sim, etcd, client, _) = Make();
        etcd.KillMembers(1, SimTime.FromSeconds(30));
        etcd.KillMembers(1, SimTime.FromSeconds(30)); // the second loss takes the quorum: down for 30 s
        Assert.False(etcd.Up);
        etcd.Write(0);
        sim.Run(untilTicks: SimTime.FromSeconds(31));
        Assert.True(etcd.Up);
        Assert.Single(client.Served);
    }

    [Fact]
    public void Crash_loop_back_off_is_none_after_ten_quiet_minutes_then_ten_seconds_doubling()
    {
        long delay = 0, last = -1;
        long min = SimTime.TicksPerMinute;
        Assert.Equal(0, Etcd.CrashLoopDelay(20 * min, 0, ref delay, ref last));
        Assert.Equal(SimTime.FromSeconds(10), Etcd.CrashLoopDelay(21 * min, 20 * min, ref delay, ref last));
        Assert.Equal(SimTime.FromSeconds(20), Etcd.CrashLoopDelay(22 * min, 21 * min, ref delay, ref last));
        Assert.Equal(0, Etcd.CrashLoopDelay(33 * min, 22 * min + 1, ref delay, ref last)); // ran 10 min: the count starts over
        Assert.Equal(SimTime.FromSeconds(10), Etcd.CrashLoopDelay(34 * min, 33 * min, ref delay, ref last));
        Assert.Equal(0, Etcd.CrashLoopDelay(44 * min, 34 * min, ref delay, ref last)); // exactly 10 min
        Assert.Equal("1.5 GiB", Etcd.Gib(3L << 29));
    }
}
