using Cascade.ControlPlane.Apf;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>User FlowSchemas and PriorityLevelConfigurations: how they are digested, checked and matched (apf_controller.go, match.go).</summary>
public class ApfConfigurationTests
{
    private static PriorityLevelConfiguration Level(string name, int shares = 10, int lendable = 0, int? borrowing = 0, int queues = 16,
        int handSize = 4, int queueLength = 50, LimitResponseType response = LimitResponseType.Queue) => new()
    {
        Name = name, NominalConcurrencyShares = shares, LendablePercent = lendable, BorrowingLimitPercent = borrowing,
        Queues = queues, HandSize = handSize, QueueLengthLimit = queueLength, LimitResponse = response,
    };

    private static FlowSchema Schema(string name, string level, int precedence = 100, FlowDistinguisherMethod? by = FlowDistinguisherMethod.ByUser,
        params PolicyRulesWithSubjects[] rules) => new()
    {
        Name = name, PriorityLevelName = level, MatchingPrecedence = precedence, Distinguisher = by, Rules = rules.ToList(),
    };

    private static PolicyRulesWithSubjects Rule(Subject subject, string verb = "*", string group = "*", string resource = "*", string ns = "*", bool cluster = true) => new()
    {
        Subjects = { subject },
        ResourceRules = { new ResourcePolicyRule { Verbs = { verb }, ApiGroups = { group }, Resources = { resource }, Namespaces = { ns }, ClusterScope = cluster } },
    };

    private static PolicyRulesWithSubjects Paths(params string[] urls) => new()
    {
        Subjects = { Subject.Group("*") },
        NonResourceRules = { new NonResourcePolicyRule { Verbs = { "get" }, NonResourceUrls = urls.ToList() } },
    };

    private static ApfConfiguration Only(params FlowSchema[] schemas) =>
        ApfConfiguration.From(new ApfObjects([Level("a"), Level("b")], schemas), keepDefaults: false);

    private static string LevelOf(ApfConfiguration c, RequestDigest d) => c.PriorityLevels[c.Classify(d).PriorityLevel].Name;

    private static RequestDigest Get(string user, string resource = "pods", string? ns = "default", string verb = "get", string group = "",
        params string[] groups) => new(user, groups, verb, group, resource, ns, true, null);

    private static RequestDigest Path(string path, string verb = "get") => new("u", [], verb, "", "", null, false, path);

    [Fact]
    public void Without_the_defaults_only_the_users_objects_and_the_mandatory_ones_exist_in_matching_order()
    {
        var c = Only(Schema("z", "a", 50), Schema("y", "b", 50), Schema("x", "a", 10));
        Assert.Equal(["exempt", "a", "b", "catch-all"], c.PriorityLevels.Select(l => l.Name));
        Assert.Equal(["exempt", "x", "y", "z", "catch-all"], c.FlowSchemas.Select(f => f.Name));
        Assert.Equal((1, 2), (c.PriorityLevelIndex("a"), c.FlowSchemaIndex("y")));
        Assert.Throws<KeyNotFoundException>(() => c.PriorityLevelIndex("workload-low"));
        Assert.Throws<KeyNotFoundException>(() => c.FlowSchemaIndex("nope"));
        Assert.Empty(c.IgnoredFlowSchemas);
    }

    [Fact]
    public void A_user_object_replaces_the_default_of_its_name_and_keeps_its_place()
    {
        var defaults = ApfConfiguration.Default;
        int at = defaults.PriorityLevelIndex("workload-low");
        var c = ApfConfiguration.From(new ApfObjects([Level("workload-low", shares: 7)], [Schema("service-accounts", "global-default", 9000)]), keepDefaults: true);
        Assert.Equal(defaults.PriorityLevels.Count, c.PriorityLevels.Count);
        Assert.Equal((at, 7), (c.PriorityLevelIndex("workload-low"), c.PriorityLevels[at].NominalConcurrencyShares));
        Assert.Equal(defaults.FlowSchemas.Count, c.FlowSchemas.Count);
        Assert.Equal("global-default", c.FlowSchemas[c.FlowSchemaIndex("service-accounts")].PriorityLevelName);
    }

    [Fact]
    public void Two_objects_of_one_name_are_bad_input()
    {
        var pl = Assert.Throws<InputException>(() => ApfConfiguration.From(new ApfObjects([Level("a"), Level("a")], []), false));
        Assert.Equal(("two PriorityLevelConfigurations are named \"a\"", "metadata.name"), (pl.Message, pl.Field));
        var fs = Assert.Throws<InputException>(() => Only(Schema("s", "a"), Schema("s", "b")));
        Assert.Equal(("two FlowSchemas are named \"s\"", "metadata.name"), (fs.Message, fs.Field));
    }

    public static TheoryData<PriorityLevelConfiguration, string> BadLevels => new()
    {
        { Level(""), "metadata.name" },
        { new PriorityLevelConfiguration { Name = "x", Type = PriorityLevelType.Exempt }, "spec.type" },
        { new PriorityLevelConfiguration { Name = "exempt", Type = PriorityLevelType.Limited }, "spec.type" },
        { Level("x", shares: -1), "spec.limited.nominalConcurrencyShares" },
        { Level("x", lendable: -1), "spec.limited.lendablePercent" },
        { Level("x", lendable: 101), "spec.limited.lendablePercent" },
        { Level("x", borrowing: -1), "spec.limited.borrowingLimitPercent" },
        { Level("x", queues: 0), "spec.limited.limitResponse.queuing.queues" },
        { Level("x", queueLength: 0), "spec.limited.limitResponse.queuing.queueLengthLimit" },
        { Level("x", handSize: 17), "spec.limited.limitResponse.queuing.handSize" },
        { Level("x", handSize: 0), "spec.limited.limitResponse.queuing.handSize" },
    };

    [Theory]
    [MemberData(nameof(BadLevels))]
    public void A_priority_level_outside_upstreams_validation_is_bad_input_naming_its_field(PriorityLevelConfiguration level, string field)
    {
        var e = Assert.Throws<InputException>(() => ApfConfiguration.From(new ApfObjects([level], []), false));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Limits_of_a_valid_level_are_checked_only_where_they_apply()
    {
        // Edges that are valid: 0 and 100 % lendable, no borrowing limit, a reject-type level with no queues to check.
        var c = ApfConfiguration.From(new ApfObjects([Level("x", lendable: 0), Level("y", lendable: 100, borrowing: null),
            Level("r", queues: 0, handSize: 0, queueLength: 0, response: LimitResponseType.Reject), Level("z", shares: 0)], []), false);
        Assert.Equal(6, c.PriorityLevels.Count);
        Assert.Equal("PriorityLevelConfiguration x", c.PriorityLevels[1].ToString());
        Assert.Equal("FlowSchema catch-all", c.FlowSchemas[^1].ToString());
    }

    [Theory]
    [InlineData("", "x", 100, "metadata.name")]
    [InlineData("s", "", 100, "spec.priorityLevelConfiguration.name")]
    [InlineData("s", "a", 0, "spec.matchingPrecedence")]
    [InlineData("s", "a", 10001, "spec.matchingPrecedence")]
    public void A_flow_schema_outside_upstreams_validation_is_bad_input_naming_its_field(string name, string level, int precedence, string field)
    {
        var e = Assert.Throws<InputException>(() => Only(Schema(name, level, precedence)));
        Assert.Equal(field, e.Field);
        Only(Schema("edge-low", "a", 1), Schema("edge-high", "a", 10000)); // the bounds themselves are valid
    }

    [Fact]
    public void A_limits_split_rounds_up_lends_and_borrows_by_percent_and_caps_a_requests_seats()
    {
        var c = ApfConfiguration.From(new ApfObjects([Level("a", shares: 30, lendable: 25, borrowing: 50, handSize: 4),
            Level("b", shares: 65, lendable: 0, borrowing: null, handSize: 8), Level("r", shares: 0, response: LimitResponseType.Reject)], []), false);
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Limits(0));
        var l = c.Limits(100); // shares: exempt 0, a 30, b 65, r 0, catch-all 5
        var a = l[c.PriorityLevelIndex("a")];
        Assert.Equal(new PriorityLevelLimits(30, 8, 22, 45, 5), a);                // ceil(0.15 × 30) = 5, 30 / 4 = 7
        Assert.Equal(new PriorityLevelLimits(65, 0, 65, 165, 8), l[c.PriorityLevelIndex("b")]); // unlimited borrowing: the server's 100; 65 / 8 = 8
        Assert.Equal(new PriorityLevelLimits(0, 0, 0, 0, 10), l[c.PriorityLevelIndex("r")]);    // no queues: the estimator's cap
        Assert.Equal(1, c.Limits(1)[c.PriorityLevelIndex("a")].MaxSeatsPerRequest);               // at least one seat
        var none = ApfConfiguration.From(new ApfObjects([Level("catch-all", shares: 0)], []), false);
        Assert.All(none.Limits(10), x => Assert.Equal(0, x.NominalCL));
        Assert.Equal(3, ApfConfiguration.RoundHalfAway(2.5));
        Assert.Equal(-3, ApfConfiguration.RoundHalfAway(-2.5));
    }

    [Fact]
    public void A_subject_matches_by_user_name_by_group_or_by_service_account()
    {
        var c = Only(
            Schema("u", "a", 10, FlowDistinguisherMethod.ByUser, Rule(Subject.User("alice"))),
            Schema("g", "b", 20, FlowDistinguisherMethod.ByUser, Rule(Subject.Group("ops"))),
            Schema("sa", "a", 30, FlowDistinguisherMethod.ByUser, Rule(Subject.ServiceAccount("kube-system", "dns"))),
            Schema("sa-any", "b", 40, FlowDistinguisherMethod.ByUser, Rule(Subject.ServiceAccount("monitoring", "*"))),
            Schema("any-user", "a", 50, FlowDistinguisherMethod.ByUser, Rule(Subject.User("*"), verb: "delete")),
            Schema("any-group", "b", 60, FlowDistinguisherMethod.ByUser, Rule(Subject.Group("*"), verb: "patch")));
        string Schema_(RequestDigest d) => c.FlowSchemas[c.Classify(d).FlowSchema].Name;
        Assert.Equal("u", Schema_(Get("alice")));
        Assert.Equal("g", Schema_(Get("bob", groups: "ops")));
        Assert.Equal("catch-all", Schema_(Get("bob", groups: "dev")));
        Assert.Equal("catch-all", Schema_(new RequestDigest("bob", null!, "get", "", "pods", "default", true, null)));
        Assert.Equal("sa", Schema_(Get("system:serviceaccount:kube-system:dns")));
        Assert.Equal("catch-all", Schema_(Get("system:serviceaccount:kube-system:dnsx")));
        Assert.Equal("catch-all", Schema_(Get("system:serviceaccount:kube-systemx:dns")));
        Assert.Equal("catch-all", Schema_(Get("system:serviceaccount:kube-system")));
        Assert.Equal("catch-all", Schema_(Get("serviceaccount:kube-system:dns")));
        Assert.Equal("sa-any", Schema_(Get("system:serviceaccount:monitoring:agent")));
        Assert.Equal("any-user", Schema_(Get("carol", verb: "delete")));
        Assert.Equal("any-group", Schema_(Get("carol", verb: "patch")));
    }

    [Fact]
    public void A_resource_rule_matches_on_verb_group_resource_and_namespace_or_cluster_scope()
    {
        var c = Only(
            Schema("leases", "a", 10, FlowDistinguisherMethod.ByUser, Rule(Subject.User("*"), verb: "update", group: "coordination.k8s.io", resource: "leases", ns: "kube-node-lease", cluster: false)),
            Schema("nodes", "b", 20, FlowDistinguisherMethod.ByUser, Rule(Subject.User("*"), verb: "get", resource: "nodes", ns: "none", cluster: true)));
        Assert.Equal("a", LevelOf(c, Get("k", "leases", "kube-node-lease", "update", "coordination.k8s.io")));
        Assert.Equal("catch-all", LevelOf(c, Get("k", "leases", "default", "update", "coordination.k8s.io")));
        Assert.Equal("catch-all", LevelOf(c, Get("k", "leases", "kube-node-lease", "get", "coordination.k8s.io")));
        Assert.Equal("catch-all", LevelOf(c, Get("k", "leases", "kube-node-lease", "update", "")));
        Assert.Equal("catch-all", LevelOf(c, Get("k", "leasesx", "kube-node-lease", "update", "coordination.k8s.io")));
        Assert.Equal("catch-all", LevelOf(c, Get("k", "leases", null, "update", "coordination.k8s.io"))); // cluster-scoped: not this rule's
        Assert.Equal("b", LevelOf(c, Get("k", "nodes", null)));
        Assert.Equal("b", LevelOf(c, Get("k", "nodes", "")));
        Assert.Equal("catch-all", LevelOf(c, Get("k", "nodes", "default")));
        Assert.Equal("b", LevelOf(c, Get("k", "nodes", "none")));
    }

    [Fact]
    public void A_wildcard_counts_only_as_the_sole_member_of_its_list()
    {
        var rule = new PolicyRulesWithSubjects
        {
            Subjects = { Subject.User("*") },
            ResourceRules = { new ResourcePolicyRule { Verbs = { "get", "*" }, ApiGroups = { "*" }, Resources = { "*" }, Namespaces = { "*" } } },
        };
        var c = Only(Schema("w", "a", 10, FlowDistinguisherMethod.ByUser, rule));
        Assert.Equal("a", LevelOf(c, Get("k")));
        Assert.Equal("catch-all", LevelOf(c, Get("k", verb: "list")));
    }

    [Fact]
    public void A_non_resource_rule_matches_a_path_itself_everything_under_it_or_everything()
    {
        var c = Only(
            Schema("health", "a", 10, FlowDistinguisherMethod.ByUser, Paths("/healthz", "/livez/*")),
            Schema("all", "b", 20, FlowDistinguisherMethod.ByUser, new PolicyRulesWithSubjects
            {
                Subjects = { Subject.Group("*") },
                NonResourceRules = { new NonResourcePolicyRule { Verbs = { "*" }, NonResourceUrls = { "*" } } },
            }));
        Assert.Equal("a", LevelOf(c, Path("/healthz")));
        Assert.Equal("a", LevelOf(c, Path("/healthz/etcd")));
        Assert.Equal("a", LevelOf(c, Path("/livez/ping")));
        Assert.Equal("b", LevelOf(c, Path("/livez")));
        Assert.Equal("b", LevelOf(c, Path("/healthzx")));
        Assert.Equal("b", LevelOf(c, Path("/healthz", "post")));
        Assert.Equal("b", LevelOf(c, new RequestDigest("u", [], "get", "", "", null, false, null)));
        Assert.Equal("catch-all", LevelOf(Only(Schema("h", "a", 10, FlowDistinguisherMethod.ByUser, Paths("/healthz"))), Get("k", "healthz")));
    }

    [Fact]
    public void The_flow_is_distinguished_by_user_by_namespace_or_not_at_all_and_one_queue_needs_no_hash()
    {
        var rule = Rule(Subject.User("*"));
        var byUser = Only(Schema("s", "a", 10, FlowDistinguisherMethod.ByUser, rule));
        var byNs = Only(Schema("s", "a", 10, FlowDistinguisherMethod.ByNamespace, rule));
        var none = Only(Schema("s", "a", 10, null, rule));
        Assert.Equal(ApfConfiguration.HashFlowId("s", "alice"), byUser.Classify(Get("alice")).FlowHash);
        Assert.Equal(ApfConfiguration.HashFlowId("s", "default"), byNs.Classify(Get("alice")).FlowHash);
        Assert.Equal(ApfConfiguration.HashFlowId("s", ""), byNs.Classify(Get("alice", "nodes", null)).FlowHash);
        Assert.Equal(ApfConfiguration.HashFlowId("s", ""), none.Classify(Get("alice")).FlowHash);
        var oneQueue = ApfConfiguration.From(new ApfObjects([Level("a", queues: 1, handSize: 1)], [Schema("s", "a", 10, FlowDistinguisherMethod.ByUser, rule)]), false);
        Assert.Equal(0UL, oneQueue.Classify(Get("alice")).FlowHash);
        Assert.NotEqual(ApfConfiguration.HashFlowId("s", new string('x', 600)), ApfConfiguration.HashFlowId("s", new string('x', 601)));
        Assert.False(byUser.Classify(Get("alice")).Exempt);
    }
}
