using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

public class ApfDefaultsTests
{
    private static readonly ApfConfiguration Config = ApfConfiguration.Default;

    [Theory]
    // docs/sources.md §2.2, NominalCL column for 600 seats.
    [InlineData("system", 74)]
    [InlineData("node-high", 98)]
    [InlineData("leader-election", 25)]
    [InlineData("workload-high", 98)]
    [InlineData("workload-low", 245)]
    [InlineData("global-default", 49)]
    [InlineData("catch-all", 13)]
    public void The_default_levels_split_600_seats_as_the_model_table_says(string level, int nominalCL)
    {
        var limits = Config.Limits(600);
        Assert.Equal(nominalCL, limits[Config.PriorityLevelIndex(level)].NominalCL);
        var apf = new ApfTestHost().Start(Config, 600).Apf;
        Assert.Equal(nominalCL, apf.NominalConcurrencyLimit(Config.PriorityLevelIndex(level)));
    }

    [Theory]
    // lendableCL = round(NominalCL × lendable%), half away from zero as Go's math.Round.
    [InlineData("system", 24)]          // 74 × 0.33 = 24.42
    [InlineData("node-high", 25)]       // 98 × 0.25 = 24.5
    [InlineData("leader-election", 0)]
    [InlineData("workload-high", 49)]
    [InlineData("workload-low", 221)]   // 245 × 0.9 = 220.5
    [InlineData("global-default", 25)]  // 49 × 0.5 = 24.5
    [InlineData("catch-all", 0)]
    public void Lendable_seats_round_half_away_from_zero_like_go(string level, int lendableCL)
    {
        var l = Config.Limits(600)[Config.PriorityLevelIndex(level)];
        Assert.Equal(lendableCL, l.LendableCL);
        Assert.Equal(l.NominalCL - lendableCL, l.MinCL);
        Assert.Equal(l.NominalCL + 600, l.MaxCL);  // no borrowingLimitPercent: may borrow up to the server limit
    }

    [Theory]
    // max(1, min(ceil(0.15 × NominalCL), NominalCL / handSize)) capped at 10.
    [InlineData("system", 10)]
    [InlineData("leader-election", 4)]   // min(ceil(3.75), 25 / 4) = 4
    [InlineData("global-default", 8)]    // min(ceil(7.35), 49 / 6) = 8
    [InlineData("workload-low", 10)]
    [InlineData("catch-all", 10)]        // no queues: only the estimator's cap applies
    public void A_request_can_hold_at_most_the_levels_seat_cap(string level, int maxSeats)
    {
        Assert.Equal(maxSeats, Config.Limits(600)[Config.PriorityLevelIndex(level)].MaxSeatsPerRequest);
    }

    [Fact]
    public void The_nominal_limits_of_all_levels_sum_to_a_little_over_the_server_limit()
    {
        Assert.Equal(602, Config.Limits(600).Sum(l => l.NominalCL));  // ceil() on every level
    }

    [Fact]
    public void A_daemonset_listing_pods_with_its_service_account_lands_in_workload_low()
    {
        var c = Config.Classify(new RequestDigest(ApfIdentity.ServiceAccountUser("telemetry", "agent"), ApfIdentity.ServiceAccountGroups("telemetry"),
            "list", "", "pods", null, true, null));
        Assert.Equal("workload-low", Config.PriorityLevels[c.PriorityLevel].Name);
        Assert.Equal("service-accounts", Config.FlowSchemas[c.FlowSchema].Name);
        Assert.False(c.Exempt);
    }

    [Fact]
    public void All_pods_of_a_daemonset_are_one_flow_because_they_share_a_service_account()
    {
        var user = ApfIdentity.ServiceAccountUser("telemetry", "agent");
        var onNode1 = Config.Classify(new RequestDigest(user, ApfIdentity.ServiceAccountGroups("telemetry"), "list", "", "pods", null, true, null));
        var onNode2 = Config.Classify(new RequestDigest(user, ApfIdentity.ServiceAccountGroups("telemetry"), "list", "", "endpoints", null, true, null));
        var otherApp = Config.Classify(new RequestDigest(ApfIdentity.ServiceAccountUser("shop", "web"), ApfIdentity.ServiceAccountGroups("shop"), "list", "", "pods", null, true, null));
        Assert.Equal(onNode1.FlowHash, onNode2.FlowHash);
        Assert.NotEqual(onNode1.FlowHash, otherApp.FlowHash);
    }

    [Fact]
    public void A_kubelet_renewing_its_lease_lands_in_node_high()
    {
        var c = Config.Classify(new RequestDigest(ApfIdentity.NodeUser("node-17"), ApfIdentity.NodeGroups,
            "update", "coordination.k8s.io", "leases", "kube-node-lease", true, null));
        Assert.Equal("node-high", Config.PriorityLevels[c.PriorityLevel].Name);
        Assert.Equal("system-node-high", Config.FlowSchemas[c.FlowSchema].Name);
    }

    [Fact]
    public void A_kubelet_patching_pod_status_lands_in_system()
    {
        var c = Config.Classify(new RequestDigest(ApfIdentity.NodeUser("node-17"), ApfIdentity.NodeGroups,
            "patch", "", "pods/status", "default", true, null));
        Assert.Equal("system", Config.PriorityLevels[c.PriorityLevel].Name);
    }

    [Fact]
    public void A_cluster_admin_in_system_masters_is_exempt()
    {
        var c = Config.Classify(new RequestDigest("kubernetes-admin", ApfIdentity.MastersGroups, "delete", "apps", "daemonsets", "telemetry", true, null));
        Assert.Equal("exempt", Config.PriorityLevels[c.PriorityLevel].Name);
        Assert.True(c.Exempt);
        Assert.Equal(0UL, c.FlowHash);
    }

    [Fact]
    public void An_ordinary_user_lands_in_global_default_and_health_probes_are_exempt()
    {
        var user = Config.Classify(new RequestDigest("alice", ApfIdentity.AuthenticatedGroups, "get", "", "configmaps", "team-a", true, null));
        Assert.Equal("global-default", Config.PriorityLevels[user.PriorityLevel].Name);
        var probe = Config.Classify(new RequestDigest("system:anonymous", new[] { ApfDefaults.SystemUnauthenticated }, "get", "", "", null, false, "/readyz"));
        Assert.True(probe.Exempt);
        var subProbe = Config.Classify(new RequestDigest("alice", ApfIdentity.AuthenticatedGroups, "get", "", "", null, false, "/healthz/etcd"));
        Assert.True(subProbe.Exempt);
        var metrics = Config.Classify(new RequestDigest("alice", ApfIdentity.AuthenticatedGroups, "get", "", "", null, false, "/metrics"));
        Assert.Equal("global-default", Config.PriorityLevels[metrics.PriorityLevel].Name);
    }

    [Fact]
    public void CoreDNS_in_kube_system_lands_in_workload_high_and_its_lease_writes_in_leader_election()
    {
        var user = ApfIdentity.ServiceAccountUser("kube-system", "coredns");
        var list = Config.Classify(new RequestDigest(user, ApfIdentity.ServiceAccountGroups("kube-system"), "list", "discovery.k8s.io", "endpointslices", null, true, null));
        Assert.Equal("kube-system-service-accounts", Config.FlowSchemas[list.FlowSchema].Name);
        Assert.Equal("workload-high", Config.PriorityLevels[list.PriorityLevel].Name);
        var lease = Config.Classify(new RequestDigest(user, ApfIdentity.ServiceAccountGroups("kube-system"), "update", "coordination.k8s.io", "leases", "kube-system", true, null));
        Assert.Equal("leader-election", Config.PriorityLevels[lease.PriorityLevel].Name);
    }

    [Fact]
    public void A_request_without_the_authenticated_group_falls_back_to_catch_all()
    {
        var c = Config.Classify(new RequestDigest("mystery", Array.Empty<string>(), "get", "", "pods", "default", true, null));
        Assert.Equal("catch-all", Config.PriorityLevels[c.PriorityLevel].Name);
    }

    [Fact]
    public void The_flow_hash_is_sha256_of_schema_and_distinguisher_and_stable()
    {
        ulong h = ApfConfiguration.HashFlowId("service-accounts", "system:serviceaccount:telemetry:agent");
        Assert.Equal(h, ApfConfiguration.HashFlowId("service-accounts", "system:serviceaccount:telemetry:agent"));
        Assert.NotEqual(h, ApfConfiguration.HashFlowId("service-account", "ssystem:serviceaccount:telemetry:agent"));
        // SHA-256("a\0b") = 0x2b... ; the first 8 bytes read little-endian.
        var sum = System.Security.Cryptography.SHA256.HashData(new byte[] { (byte)'a', 0, (byte)'b' });
        Assert.Equal(BitConverter.ToUInt64(sum, 0), ApfConfiguration.HashFlowId("a", "b"));
    }

    [Fact]
    public void Mandatory_levels_exist_even_when_a_configuration_leaves_them_out()
    {
        var only = new PriorityLevelConfiguration { Name = "mine", NominalConcurrencyShares = 10, Queues = 8, HandSize = 2 };
        var config = ApfConfiguration.From(new ApfObjects(new[] { only }, Array.Empty<FlowSchema>()), keepDefaults: false);
        Assert.Equal(new[] { "exempt", "mine", "catch-all" }, config.PriorityLevels.Select(p => p.Name));
        Assert.Equal(new[] { "exempt", "catch-all" }, config.FlowSchemas.Select(f => f.Name));
    }

    [Fact]
    public void A_flow_schema_naming_a_missing_level_is_ignored_and_reported()
    {
        var dangling = new FlowSchema { Name = "lost", PriorityLevelName = "nowhere", MatchingPrecedence = 50 };
        var config = ApfConfiguration.From(new ApfObjects(Array.Empty<PriorityLevelConfiguration>(), new[] { dangling }), keepDefaults: true);
        Assert.DoesNotContain(config.FlowSchemas, f => f.Name == "lost");
        Assert.Single(config.IgnoredFlowSchemas);
        Assert.Contains("nowhere", config.IgnoredFlowSchemas[0]);
    }

    [Fact]
    public void Shuffle_sharding_deals_distinct_queues_the_same_way_every_time()
    {
        Span<int> hand = stackalloc int[6];
        Span<int> again = stackalloc int[6];
        for (ulong h = 0; h < 5000; h += 7)
        {
            ShuffleShardDealer.Deal(h * 0x9E3779B97F4A7C15UL, 128, hand);
            ShuffleShardDealer.Deal(h * 0x9E3779B97F4A7C15UL, 128, again);
            Assert.True(hand.SequenceEqual(again));
            for (int i = 0; i < 6; i++)
            {
                Assert.InRange(hand[i], 0, 127);
                for (int j = 0; j < i; j++) Assert.NotEqual(hand[i], hand[j]);
            }
        }
        Assert.False(ShuffleShardDealer.ValidParameters(64, 16));   // 6 bits × 16 > 60
        Assert.True(ShuffleShardDealer.ValidParameters(128, 6));
    }

    [Fact]
    public void A_queue_wait_limit_is_a_quarter_of_the_deadline_at_most_a_minute_and_15s_without_one()
    {
        Assert.Equal(15 * SimTime.TicksPerSecond, ApfDispatcher.QueueWaitLimitFor(60 * SimTime.TicksPerSecond));
        Assert.Equal(SimTime.TicksPerMinute, ApfDispatcher.QueueWaitLimitFor(10 * SimTime.TicksPerMinute));
        Assert.Equal(15 * SimTime.TicksPerSecond, ApfDispatcher.QueueWaitLimitFor(SimTime.Never));
    }
}
