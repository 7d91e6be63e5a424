using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane;

/// <summary>client-go's reflector (Informer.cs) against a hand-built control plane: when it lists, when it only watches, how it backs off.</summary>
public class InformerTests
{
    private static (ApiServerRig Rig, Informer Informer) Pods(int minor = 30, int replicas = 1, int maxRetries = 10)
    {
        var rig = new ApiServerRig(minor: minor, replicas: replicas);
        var calls = rig.Api.DefineInformer("kubelet", ApiServerRig.Agent, [], "pods", null);
        var informer = new Informer(rig.Sim, rig.Api, rig.Client(maxRetries: maxRetries), calls, rig.Sim.Random.Stream("informer"));
        return (rig, informer);
    }

    private static int Watches(ApiServerRig rig) => Enumerable.Range(0, rig.Api.ReplicaCount).Sum(r => rig.Api.WatchCount(r, rig.Pods.Index));

    [Fact]
    public void An_informer_lists_from_resource_version_0_once_then_watches()
    {
        var (rig, informer) = Pods();
        informer.Start(SimTime.FromSeconds(2));
        rig.RunFor(1.9);
        Assert.Equal(0, informer.Lists);
        rig.Sim.Run(untilTicks: SimTime.FromSeconds(2));
        Assert.True(informer.IsListing);
        Assert.False(informer.HasSynced);
        rig.RunFor(1);
        Assert.True(informer.HasSynced);
        Assert.True(informer.IsWatching);
        Assert.False(informer.IsListing);
        Assert.Equal((1, 0, 0), (informer.Lists, informer.Relists, informer.ConsistentRelists));
        Assert.Equal(1, Watches(rig));
        Assert.Equal((1, 0, 1), (informer.Calls.List.Dispatched, informer.Calls.List.EtcdTicksDemanded, informer.Calls.Watch.Dispatched));
        Assert.Same(informer.Client, rig.Api.Clients[0]);
    }

    [Fact]
    public void With_watch_list_an_informer_syncs_by_a_watch_with_initial_events_and_lists_nothing()
    {
        var (rig, informer) = Pods(minor: 35);
        informer.Start(0);
        Assert.False(informer.IsListing); // the start waits for its timer, even of no delay
        rig.Sim.Run(untilTicks: 0);
        Assert.True(informer.IsListing);
        rig.RunFor(1);
        Assert.True(informer.HasSynced);
        Assert.True(informer.IsWatching);
        Assert.Equal(0, informer.Lists);
        Assert.Equal((1, 0), (informer.Calls.WatchList.Dispatched, informer.Calls.Watch.Dispatched));
        Assert.Equal(1, Watches(rig));
    }

    [Fact]
    public void A_failed_watch_list_falls_back_to_a_list_at_once()
    {
        // A cold cache at 1.35 answers the watch-list 429; with no retries the informer lists straight away, and the
        // paginated LIST without selector goes to etcd page by page.
        var (rig, informer) = Pods(minor: 35, maxRetries: 0);
        rig.Api.StopReplica(0, 1, "restart");
        rig.Sim.Run(untilTicks: 1);
        informer.Start(0);
        rig.RunFor(0.05);
        Assert.Equal((1, 1), (informer.Lists, informer.Calls.WatchList.Dispatched));
        rig.RunFor(5);
        Assert.True(informer.HasSynced);
        Assert.Equal(2, informer.Calls.List.Dispatched);
        Assert.True(informer.Calls.List.EtcdTicksDemanded > 0);
    }

    [Fact]
    public void A_watch_that_times_out_is_reopened_from_the_last_version_between_five_and_ten_minutes_later_without_a_list()
    {
        var rig = new ApiServerRig(minor: 30);
        var calls = rig.Api.DefineInformer("kubelet", ApiServerRig.Agent, [], "pods", null);
        var informers = Enumerable.Range(0, 30)
            .Select(i => new Informer(rig.Sim, rig.Api, rig.Client(), calls, rig.Sim.Random.Stream($"informer-{i}"))).ToList();
        foreach (var i in informers) i.Start(0);
        rig.RunFor(299);
        Assert.Equal(30, calls.Watch.Dispatched);
        rig.RunFor(311); // the 30 first LISTs queue for seats and cores: the last watch opens within seconds
        Assert.Equal(60, calls.Watch.Dispatched);
        Assert.Equal(30, Watches(rig)); // the old ones were closed
        Assert.All(informers, i => Assert.Equal((1, 0, 0, true), (i.Lists, i.BrokenWatches, i.ExpiredWatches, i.IsWatching)));
    }

    [Fact]
    public void A_watch_broken_by_its_replicas_death_is_reopened_at_once_on_another()
    {
        var (rig, informer) = Pods(replicas: 2);
        informer.Start(0);
        rig.RunFor(1);
        int replica = informer.Client.Replica;
        rig.Api.StopReplica(replica, SimTime.FromMinutes(5), "test");
        Assert.Equal(1, informer.BrokenWatches);
        rig.RunFor(0.01);
        Assert.True(informer.IsWatching);
        Assert.Equal(1, rig.Api.WatchCount(1 - replica, rig.Pods.Index));
        Assert.Equal((1, 2), (informer.Lists, informer.Calls.Watch.Dispatched));
    }

    [Fact]
    public void A_watch_older_than_a_restarted_caches_history_is_expired_and_the_informer_relists_from_the_cache()
    {
        var (rig, informer) = Pods();
        informer.Start(0);
        rig.RunFor(1);
        rig.Api.StopReplica(0, SimTime.FromSeconds(10), "test");
        // Refused while the replica is down (backing off), then held until its cache is ready, then 410.
        rig.RunFor(60);
        Assert.Equal((1, 1), (informer.BrokenWatches, informer.ExpiredWatches));
        Assert.Equal((2, 1, 0), (informer.Lists, informer.Relists, informer.ConsistentRelists));
        Assert.Equal(1, informer.Calls.Relist.Dispatched);
        Assert.Equal(0, informer.Calls.Relist.EtcdTicksDemanded); // unpaginated, from the last version: the cache serves it
        Assert.True(informer.IsWatching);
    }

    [Fact]
    public void A_list_answered_expired_makes_the_next_list_a_consistent_read()
    {
        var (rig, informer) = Pods();
        informer.Start(0);
        rig.Sim.Run(untilTicks: 0);
        informer.OnResponse(1, RequestOutcome.Expired, 0, WatchHandle.None); // as if the first LIST had failed as expired
        Assert.False(informer.IsListing);
        rig.RunFor(5);
        Assert.Equal((2, 1, 0), (informer.Lists, informer.ConsistentRelists, informer.Relists));
        Assert.Equal(1, informer.Calls.ConsistentRelist.Dispatched);
        Assert.True(informer.IsWatching);
        // Synced again: the next relist is from the last version, not a consistent read.
        informer.OnResponse(4, RequestOutcome.ServerTimeout, 0, WatchHandle.None); // stale: ignored
        Assert.True(informer.IsWatching);
    }

    [Fact]
    public void A_list_that_fails_otherwise_is_retried_from_the_same_version_after_a_back_off()
    {
        var (rig, informer) = Pods();
        informer.Start(0);
        rig.Sim.Run(untilTicks: 0);
        informer.OnResponse(1, RequestOutcome.ServerTimeout, 0, WatchHandle.None);
        rig.RunFor(0.79);
        Assert.Equal(1, informer.Lists);
        rig.RunFor(1);
        Assert.Equal((2, 0), (informer.Lists, informer.ConsistentRelists));
        Assert.Equal(2, informer.Calls.List.Dispatched);
    }

    [Fact]
    public void A_watch_that_fails_with_another_error_ends_list_and_watch_and_the_next_one_lists()
    {
        var (rig, informer) = Pods();
        informer.Start(0);
        rig.Sim.Run(untilTicks: 52_500); // the LIST (52 ms) is answered, the watch (1 ms) not yet
        Assert.Equal(1, informer.Lists);
        Assert.False(informer.IsListing);
        Assert.False(informer.IsWatching); // the watch is on its way
        informer.OnResponse(2, RequestOutcome.ServerTimeout, 0, WatchHandle.None);
        rig.RunFor(5);
        Assert.Equal((2, 1, 0), (informer.Lists, informer.Relists, informer.ExpiredWatches));
    }

    /// <summary>The times at which the informer's client tries (and, blocked, fails) during <paramref name="seconds"/>.</summary>
    private static List<long> BlockedAttempts(ApiServerRig rig, double seconds)
    {
        var attempts = new List<long>();
        long seen = rig.Api.Metrics.BlockedAttempts;
        long horizon = rig.Sim.Now + SimTime.FromSeconds(seconds);
        while (rig.Sim.Run(untilTicks: horizon, maxEvents: 1) == 1)
            if (rig.Api.Metrics.BlockedAttempts != seen)
            {
                seen = rig.Api.Metrics.BlockedAttempts;
                attempts.Add(rig.Sim.Now);
            }
        return attempts;
    }

    private static void AssertBackOff(List<long> attempts)
    {
        // 0.8 s doubling to 30 s, each stretched by up to as much again (wait.Jitter 1.0).
        long expected = SimTime.FromMilliseconds(800);
        for (int k = 1; k < attempts.Count; k++)
        {
            Assert.InRange(attempts[k] - attempts[k - 1], expected, 2 * expected);
            expected = Math.Min(2 * expected, SimTime.FromSeconds(30));
        }
    }

    [Fact]
    public void A_refused_watch_is_retried_with_a_doubling_jittered_back_off_without_a_list()
    {
        var (rig, informer) = Pods();
        rig.Api.ParkUnreachable = false; // each attempt as an event, to time it (parked ones: the next test)
        informer.Start(0);
        rig.RunFor(1);
        informer.Client.Blocked = true;
        informer.Disconnect();
        var attempts = BlockedAttempts(rig, 300);
        attempts.Insert(0, SimTime.FromSeconds(1));
        Assert.Equal(1, informer.Lists);
        Assert.InRange(attempts.Count, 10, 16);
        AssertBackOff(attempts);
        Assert.Contains(attempts.Zip(attempts.Skip(1)), p => p.Second - p.First > SimTime.FromSeconds(31)); // jitter is drawn, not zero
    }

    [Fact]
    public void A_list_refused_by_the_network_is_retried_with_the_same_back_off_and_after_two_quiet_minutes_it_starts_over()
    {
        var (rig, informer) = Pods();
        rig.Api.ParkUnreachable = false; // each attempt as an event, to time it
        informer.Client.Blocked = true;
        informer.Start(0);
        var attempts = BlockedAttempts(rig, 10);
        Assert.Equal(0, attempts[0]);
        Assert.InRange(attempts.Count, 3, 5);
        AssertBackOff(attempts);
        Assert.Equal(attempts.Count, informer.Lists);
        Assert.Equal(0, informer.Relists);
        informer.Client.Blocked = false;
        rig.RunFor(30);
        Assert.True(informer.IsWatching);
        rig.RunFor(121);
        informer.Client.Blocked = true;
        informer.Disconnect();
        long broken = rig.Sim.Now;
        var again = BlockedAttempts(rig, 2);
        Assert.InRange(again[0] - broken, SimTime.FromMilliseconds(800), SimTime.FromMilliseconds(1600));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_informer_cut_off_for_minutes_makes_the_same_attempts_parked_as_on_the_request_path(bool fromTheStart)
    {
        (ApiServerRig Rig, Informer Informer) Cut(bool park)
        {
            var (rig, informer) = Pods();
            rig.Api.ParkUnreachable = park;
            if (fromTheStart) informer.Client.Blocked = true; // its LISTs fail: the sync cycle, counted as LISTs
            informer.Start(0);
            rig.RunFor(1);
            informer.Client.Blocked = true;
            informer.Disconnect(); // a watching informer re-watches and fails: the watch cycle
            return (rig, informer);
        }
        var (a, ia) = Cut(park: false);
        var (b, ib) = Cut(park: true);
        (long, long, long, bool) Seen(ApiServerRig rig, Informer i)
        {
            rig.Api.Settle();
            return (rig.Api.Metrics.BlockedAttempts, i.Lists, i.Relists, i.IsWatching);
        }
        for (int k = 0; k < 80; k++)
        {
            a.RunFor(7.3);
            b.RunFor(7.3);
            Assert.Equal(Seen(a, ia), Seen(b, ib));
        }
        Assert.True(b.Api.Metrics.BlockedAttempts > 10);
        ia.Client.Blocked = false;
        ib.Client.Blocked = false;
        a.RunFor(90);
        b.RunFor(90);
        Assert.Equal(Seen(a, ia), Seen(b, ib));
        Assert.True(ib.IsWatching);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void An_informer_whose_api_servers_are_all_down_makes_the_same_attempts_parked_as_on_the_request_path(int replicas)
    {
        (ApiServerRig Rig, Informer Informer) Dark(bool park)
        {
            var (rig, informer) = Pods(replicas: replicas);
            rig.Api.ParkUnreachable = park;
            informer.Start(0);
            rig.RunFor(1);
            for (int r = 0; r < rig.Api.ReplicaCount; r++) rig.Api.OomKill(r, "test"); // its watch breaks; every retry is refused
            return (rig, informer);
        }
        var (a, ia) = Dark(park: false);
        var (b, ib) = Dark(park: true);
        (long, long, long, long, bool) Seen(ApiServerRig rig, Informer i)
        {
            rig.Api.Settle();
            return (rig.Api.Metrics.Issued, rig.Api.Metrics.RejectedUnavailable, i.Lists, i.Relists, i.IsWatching);
        }
        bool parked = false;
        for (int k = 0; k < 260; k++)
        {
            a.RunFor(0.7);
            b.RunFor(0.7);
            parked |= b.Api.ParkedInformers.Count > 0;
            Assert.Equal(Seen(a, ia), Seen(b, ib));
            if (k == 60)
                for (int r = 0; r < replicas; r++) { a.Api.OomKill(r, "again"); b.Api.OomKill(r, "again"); }
        }
        Assert.True(parked, $"the informer never waited in ParkedInformers ({b.Api.Metrics.RejectedUnavailable} refused, {b.Api.Metrics.Issued} issued, watching {ib.IsWatching})");
        Assert.True(ib.IsWatching);
        Assert.True(b.Api.Metrics.RejectedUnavailable > 5);
    }

    /// <summary>
    /// Nine informers at once, parked side by side: five share a client limited to one request every 5 s (so parked
    /// attempts wait for tokens, in time order across informers), three share an unlimited one that is cut off at the
    /// network; two of those are cut off before they ever sync (at 1.35, watch-lists that fail and fall back to a LIST);
    /// the ninth has a client of its own.
    /// Every replica dies twice, so the limited client's informers are refused and resume, some while a token is
    /// owed, while the blocked ones stay parked; two informers stop while parked, one just before the replicas are back.
    /// Compared with the request path at 240 moments.
    /// </summary>
    [Theory]
    [InlineData(30)]
    [InlineData(35)]
    public void A_crowd_of_parked_informers_makes_the_same_attempts_as_on_the_request_path(int minor)
    {
        (ApiServerRig Rig, List<Informer> Informers) Crowd(bool park)
        {
            var rig = new ApiServerRig(minor: minor, replicas: 2);
            rig.Api.ParkUnreachable = park;
            var calls = rig.Api.DefineInformer("agent", ApiServerRig.Agent, [], "pods", null);
            var limited = rig.Client(qps: 0.2, burst: 1);
            var cut = rig.Client();
            var informers = new List<Informer>();
            for (int i = 0; i < 8; i++)
                informers.Add(new Informer(rig.Sim, rig.Api, i < 5 ? limited : cut, calls, rig.Sim.Random.Stream("crowd", i)));
            informers.Add(new Informer(rig.Sim, rig.Api, rig.Client(), calls, rig.Sim.Random.Stream("crowd", 8)));
            informers[8].Start(0);
            for (int i = 0; i < 6; i++) informers[i].Start(SimTime.FromMilliseconds(100 * i));
            rig.RunFor(3);
            cut.Blocked = true;
            informers[5].Disconnect();                             // watching: it re-watches, blocked
            informers[6].Start(0);                                 // 6 and 7 start cut off and never sync: they list
            informers[7].Start(SimTime.FromMilliseconds(300));     // (or watch-list) blocked
            return (rig, informers);
        }
        var (a, ia) = Crowd(park: false);
        var (b, ib) = Crowd(park: true);
        string Seen(ApiServerRig rig, List<Informer> informers)
        {
            rig.Api.Settle();
            var m = rig.Api.Metrics;
            return $"{m.Issued} {m.RejectedUnavailable} {m.BlockedAttempts} {m.Completed} | " +
                   string.Join(" ", informers.Select(i => $"{i.Lists}/{i.Relists}/{i.IsWatching}/{i.IsListing}/{i.HasSynced}"));
        }
        bool parked = false;
        for (int k = 0; k < 240; k++)
        {
            if (k is 10 or 120)
                foreach (var (rig, _) in new[] { (a, ia), (b, ib) })
                    for (int r = 0; r < rig.Api.ReplicaCount; r++) rig.Api.OomKill(r, "test");
            if (k == 12) { ia[2].Stop(); ib[2].Stop(); }           // gone while parked: its entry is stale
            if (k == 43) { ia[8].Stop(); ib[8].Stop(); }           // gone backing off, just before the replicas are back (30 s)
            if (k == 200) { ia[5].Client.Blocked = false; ib[5].Client.Blocked = false; }
            a.RunFor(0.9);
            b.RunFor(0.9);
            parked |= b.Api.ParkedInformers.Count > 1;
            Assert.Equal(Seen(a, ia), Seen(b, ib));
        }
        Assert.True(parked, "the informers never waited in ParkedInformers together");
        Assert.True(b.Api.Metrics.BlockedAttempts > 10 && b.Api.Metrics.RejectedUnavailable > 10, Seen(b, ib));
        Assert.True(ib[7].HasSynced && ib[0].IsWatching, Seen(b, ib));
    }

    /// <summary>
    /// Two hundred informers parked at once, many more than ParkedInformers' front holds, so their steps pass between
    /// its front and its heap: 150 start 20 ms apart, every replica dies twice, a quarter of them (one client, limited
    /// to two requests a second) is cut off at the network in between and let through again, so that they stay parked
    /// while the others go back to events and come again; a quarter share a client limited to one request every 2 s
    /// (so their attempts take tokens in time order across informers), and some stop while parked, in the front or
    /// deeper. The last 50 start during the second outage, while the others wait out long back-offs: their short first
    /// back-offs go before the front's steps. Compared with the request path, informer by informer, at 150 moments
    /// (among them, whether an informer cut off at the network lists while its LIST waits for a token).
    /// </summary>
    [Fact]
    public void A_crowd_larger_than_the_parked_front_makes_the_same_attempts_as_on_the_request_path()
    {
        const int N = 200, Early = 150;
        (ApiServerRig Rig, List<Informer> Informers, ApiClient Cut) Crowd(bool park)
        {
            var rig = new ApiServerRig(minor: 30, replicas: 2);
            rig.Api.ParkUnreachable = park;
            var calls = rig.Api.DefineInformer("agent", ApiServerRig.Agent, [], "pods", null);
            var cut = rig.Client(qps: 2, burst: 1);
            var limited = rig.Client(qps: 0.5, burst: 1);
            var informers = new List<Informer>();
            for (int i = 0; i < N; i++)
                informers.Add(new Informer(rig.Sim, rig.Api, (i % 4) switch { 0 => cut, 1 => limited, _ => rig.Client() }, calls, rig.Sim.Random.Stream("crowd", i)));
            for (int i = 0; i < Early; i++) informers[i].Start(SimTime.FromMilliseconds(20 * i));
            return (rig, informers, cut);
        }
        var (a, ia, cutA) = Crowd(park: false);
        var (b, ib, cutB) = Crowd(park: true);
        string Seen(ApiServerRig rig, List<Informer> informers)
        {
            rig.Api.Settle();
            var m = rig.Api.Metrics;
            return $"{m.Issued} {m.RejectedUnavailable} {m.BlockedAttempts} {m.Completed} | " +
                   string.Join(" ", informers.Select(i => $"{i.Lists}/{i.Relists}/{i.IsWatching}/{i.IsListing}/{i.HasSynced}"));
        }
        int mostParked = 0;
        for (int k = 0; k < 150; k++)
        {
            if (k is 8 or 90)
                foreach (var rig in new[] { a, b })
                    for (int r = 0; r < rig.Api.ReplicaCount; r++) rig.Api.OomKill(r, "test");
            if (k == 20) { cutA.Blocked = true; cutB.Blocked = true; }
            if (k == 70) { cutA.Blocked = false; cutB.Blocked = false; }
            if (k == 100)
                for (int i = Early; i < N; i++)
                {
                    ia[i].Start(SimTime.FromMilliseconds(20 * (i - Early)));
                    ib[i].Start(SimTime.FromMilliseconds(20 * (i - Early)));
                }
            if (k is 15 or 30 or 95)
                for (int i = k % 7; i < N; i += 13) { ia[i].Stop(); ib[i].Stop(); }
            a.RunFor(0.9);
            b.RunFor(0.9);
            mostParked = Math.Max(mostParked, b.Api.ParkedInformers.Count);
            Assert.Equal(Seen(a, ia), Seen(b, ib));
        }
        Assert.True(mostParked > 100, $"at most {mostParked} informers waited in ParkedInformers together");
        Assert.True(b.Api.Metrics.BlockedAttempts > 50 && b.Api.Metrics.RejectedUnavailable > 500, Seen(b, ib));
    }

    [Fact]
    public void An_informer_started_synced_only_opens_its_watch()
    {
        var (rig, informer) = Pods();
        informer.StartSynced(SimTime.FromSeconds(3));
        Assert.True(informer.HasSynced);
        rig.RunFor(2.9);
        Assert.Equal(0, informer.Calls.Watch.Dispatched);
        rig.RunFor(0.2);
        Assert.True(informer.IsWatching);
        Assert.Equal((0, 1), (informer.Lists, informer.Calls.Watch.Dispatched));
    }

    [Fact]
    public void A_synced_informer_whose_watch_is_refused_watches_again_without_listing()
    {
        var (rig, informer) = Pods();
        informer.Client.Blocked = true;
        informer.StartSynced(0);
        rig.RunFor(5);
        Assert.False(informer.IsWatching);
        informer.Client.Blocked = false;
        rig.RunFor(60);
        Assert.True(informer.IsWatching);
        Assert.Equal(0, informer.Lists);
    }

    [Fact]
    public void A_disconnected_informer_closes_its_watch_and_watches_again_from_where_it_was()
    {
        var (rig, informer) = Pods();
        informer.Disconnect(); // not watching: nothing
        Assert.Equal(0, informer.BrokenWatches);
        informer.Start(0);
        rig.RunFor(1);
        informer.Client.Blocked = true;
        informer.Disconnect();
        Assert.Equal(1, informer.BrokenWatches);
        Assert.Equal(0, Watches(rig));
        Assert.False(informer.IsWatching);
        informer.Client.Blocked = false;
        rig.RunFor(60);
        Assert.True(informer.IsWatching);
        Assert.Equal(1, Watches(rig));
        Assert.Equal(1, informer.Lists);
    }

    [Fact]
    public void A_stopped_informer_closes_its_watch_and_ignores_what_is_still_on_its_way()
    {
        var (rig, informer) = Pods();
        informer.Start(0);
        rig.RunFor(1);
        informer.Stop();
        Assert.Equal(0, Watches(rig));
        Assert.False(informer.IsWatching);
        rig.RunFor(900);
        Assert.Equal(1, informer.Calls.Watch.Dispatched);
        informer.OnWatchBroken(0);
        Assert.Equal(0, informer.BrokenWatches);
    }

    [Fact]
    public void A_stopped_informer_ignores_the_answer_to_its_list()
    {
        var (rig, informer) = Pods();
        informer.Start(0);
        rig.Sim.Run(untilTicks: 0);
        informer.Stop();
        rig.RunFor(900);
        Assert.False(informer.HasSynced);
        Assert.Equal(0, informer.Calls.Watch.Dispatched);
    }

    [Fact]
    public void A_restarted_process_forgets_its_view_and_lists_again()
    {
        var (rig, informer) = Pods();
        informer.Start(0);
        rig.RunFor(1);
        informer.Restart(SimTime.FromSeconds(1));
        Assert.False(informer.HasSynced);
        Assert.Equal(0, Watches(rig));
        rig.RunFor(2);
        Assert.True(informer.HasSynced);
        Assert.Equal((2, 0), (informer.Lists, informer.Relists));
        Assert.Equal(2, informer.Calls.List.Dispatched);
    }
}
