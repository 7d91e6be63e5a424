namespace Cascade.ControlPlane.Apf;

// Stands for: kube-apiserver before API Priority and Fairness (before 1.20, or with it turned off): the
// max-in-flight filter (staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go). Keeps: two pools per
// replica, --max-requests-inflight for reads and --max-mutating-requests-inflight for writes; a request that
// finds its pool full is answered 429 at once (no queues); every request counts as one, whatever it reads;
// system:masters bypasses the limit. Leaves out: long-running requests' exemption beyond what the model's
// WATCH already does (it holds its slot only until it is open), the fixed "Retry-After: 1" (the priority
// level's Retry-After is used), the 429 the filter answers while its limit is 0.
// Expressed as a configuration of the same dispatcher: two Limited levels that reject instead of queueing,
// sized exactly to the two flags, and no borrowing between them.

/// <summary>The APF configuration that behaves as the max-in-flight filter.</summary>
public static class MaxInflight
{
    public const string ReadOnly = "max-requests-inflight", Mutating = "max-mutating-requests-inflight";

    /// <summary>
    /// Two rejecting levels of <paramref name="readOnly"/> and <paramref name="mutating"/> seats out of their sum
    /// (the shares are scaled so the mandatory catch-all level's 5 shares round to nothing).
    /// </summary>
    public static ApfConfiguration Configuration(int readOnly, int mutating)
    {
        PriorityLevelConfiguration Pool(string name, int seats) => new()
        {
            Name = name,
            Type = PriorityLevelType.Limited,
            NominalConcurrencyShares = seats * 1000,
            LendablePercent = 0,
            BorrowingLimitPercent = 0,
            LimitResponse = LimitResponseType.Reject,
        };
        var everyone = new[] { Subject.Group(ApfDefaults.SystemAuthenticated), Subject.Group(ApfDefaults.SystemUnauthenticated) };
        FlowSchema Schema(string name, int precedence, string[] verbs) => new()
        {
            Name = name,
            PriorityLevelName = name,
            MatchingPrecedence = precedence,
            Rules =
            {
                new PolicyRulesWithSubjects
                {
                    Subjects = everyone.ToList(),
                    ResourceRules = { new ResourcePolicyRule { Verbs = verbs.ToList(), ApiGroups = { "*" }, Resources = { "*" }, Namespaces = { "*" }, ClusterScope = true } },
                },
            },
        };
        var levels = new List<PriorityLevelConfiguration> { Pool(ReadOnly, readOnly) };
        var schemas = new List<FlowSchema> { Schema(ReadOnly, 100, new[] { "get", "list", "watch" }) };
        if (mutating > 0)
        {
            levels.Add(Pool(Mutating, mutating));
            schemas.Add(Schema(Mutating, 200, new[] { "*" }));
        }
        return ApfConfiguration.From(new ApfObjects(levels, schemas), keepDefaults: false);
    }
}
