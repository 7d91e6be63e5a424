using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

public class BorrowingTests
{
    private static readonly long Ms100 = 100 * SimTime.TicksPerMillisecond;

    /// <summary>Levels "a" and "b", 50 shares each, half of it lendable; with 105 seats each has a nominal 50.</summary>
    private static ApfConfiguration TwoLevels()
    {
        PriorityLevelConfiguration Level(string name) => new()
        {
            Name = name, NominalConcurrencyShares = 50, LendablePercent = 50, Queues = 64, HandSize = 6, QueueLengthLimit = 100,
        };
        FlowSchema Schema(string user) => new()
        {
            Name = user, PriorityLevelName = user, MatchingPrecedence = 500, Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules = { new PolicyRulesWithSubjects { Subjects = { Subject.User(user) }, ResourceRules = ApfFixtures.EveryoneEverything().ResourceRules } },
        };
        return ApfConfiguration.From(new ApfObjects(new[] { Level("a"), Level("b") }, new[] { Schema("a"), Schema("b") }), keepDefaults: false);
    }

    [Fact]
    public void A_busy_level_borrows_the_lendable_seats_of_an_idle_one_and_gives_them_back_when_it_gets_busy()
    {
        var config = TwoLevels();
        var host = new ApfTestHost().Start(config, 105);
        var apf = host.Apf;
        int a = config.PriorityLevelIndex("a"), b = config.PriorityLevelIndex("b");
        Assert.Equal(50, apf.NominalConcurrencyLimit(a));

        host.StartClients(0, 200, ApfFixtures.User(config, "a"), WorkEstimator.ForGet(), Ms100, flow: 0);
        host.RunFor(35);
        // a: lower bound its nominal 50 (its high watermark is above it), target its ~200 seats of demand;
        // b idle: lower bound its minimum 25. The 105 nominal seats: a 75, b 25, catch-all 5.
        Assert.Equal(75, apf.CurrentConcurrencyLimit(a));
        Assert.Equal(25, apf.CurrentConcurrencyLimit(b));
        Assert.Equal(75, apf.SeatsInUse(a));

        host.StartClients(1000, 200, ApfFixtures.User(config, "b"), WorkEstimator.ForGet(), Ms100, flow: 1);
        host.RunFor(10);
        // b's high watermark reaches its nominal limit, so its lower bound is 50 again, and a's is 50: no room to lend.
        Assert.Equal(50, apf.CurrentConcurrencyLimit(a));
        Assert.Equal(50, apf.CurrentConcurrencyLimit(b));
        host.RunFor(10);
        Assert.Equal(50, apf.SeatsInUse(b));
        Assert.Equal(50, apf.SeatsInUse(a));
    }

    [Fact]
    public void A_brief_burst_up_to_the_nominal_limit_wins_a_lender_its_seats_back_at_the_next_adjustment()
    {
        var config = TwoLevels();
        var host = new ApfTestHost().Start(config, 105);
        int a = config.PriorityLevelIndex("a"), b = config.PriorityLevelIndex("b");
        host.StartClients(0, 200, ApfFixtures.User(config, "a"), WorkEstimator.ForGet(), Ms100, flow: 0);
        host.RunFor(31);
        Assert.Equal(25, host.Apf.CurrentConcurrencyLimit(b));
        // 60 one-off requests: drained in well under a second, so b's average demand over the period stays
        // tiny, but its high watermark (60) reaches its nominal limit (50), which becomes its lower bound.
        var bc = ApfFixtures.User(config, "b");
        for (int i = 0; i < 60; i++) host.Send(1000 + i, bc, WorkEstimator.ForGet(), Ms100, flow: 1);
        host.RunFor(9.5);
        Assert.Equal(50, host.Apf.CurrentConcurrencyLimit(b));
        Assert.Equal(50, host.Apf.CurrentConcurrencyLimit(a));
        Assert.True(host.Apf.SmoothedSeatDemand(b) < 25, $"b's smoothed demand {host.Apf.SmoothedSeatDemand(b):F1}");
    }

    [Fact]
    public void Limits_are_re_solved_only_every_ten_seconds()
    {
        var config = TwoLevels();
        var host = new ApfTestHost().Start(config, 105);
        int a = config.PriorityLevelIndex("a");
        int initial = host.Apf.CurrentConcurrencyLimit(a);
        host.StartClients(0, 200, ApfFixtures.User(config, "a"), WorkEstimator.ForGet(), Ms100, flow: 0);
        host.RunFor(9.99);
        Assert.Equal(initial, host.Apf.CurrentConcurrencyLimit(a));
        host.RunFor(0.02);
        Assert.Equal(75, host.Apf.CurrentConcurrencyLimit(a));
    }

    [Fact]
    public void A_level_that_was_busy_keeps_a_smoothed_demand_that_decays_slowly()
    {
        var config = TwoLevels();
        var host = new ApfTestHost().Start(config, 105);
        int a = config.PriorityLevelIndex("a");
        host.StartClients(0, 200, ApfFixtures.User(config, "a"), WorkEstimator.ForGet(), Ms100, flow: 0);
        host.RunFor(35);
        double busy = host.Apf.SmoothedSeatDemand(a);
        Assert.InRange(busy, 190, 230);
        host.Sending = false;
        host.RunFor(300);  // 30 periods idle: smoothed × 0.977^30 ≈ 0.5
        Assert.InRange(host.Apf.SmoothedSeatDemand(a) / busy, 0.45, 0.55);
    }

    [Fact]
    public void Busy_exempt_traffic_leaves_idle_limited_levels_little_above_their_minimum()
    {
        var config = ApfConfiguration.Default;
        var host = new ApfTestHost().Start(config, 600);
        var admin = config.Classify(new RequestDigest("admin", ApfIdentity.MastersGroups, "get", "", "pods", "default", true, null));
        int low = config.PriorityLevelIndex("workload-low");
        int before = host.Apf.CurrentConcurrencyLimit(low);
        host.StartClients(0, 300, admin, WorkEstimator.ForGet(), Ms100, flow: 0);
        host.RunFor(25);
        int after = host.Apf.CurrentConcurrencyLimit(low);
        Assert.True(after < before, $"workload-low kept {after} of {before} seats");
        Assert.InRange(after, 24, 30);  // its minCL is 24
        Assert.True(host.Apf.CurrentConcurrencyLimit(0) > 250);
    }
}
