using Cascade.ControlPlane.Apf;

namespace Cascade.Tests.ControlPlane.Apf;

internal static class ApfFixtures
{
    /// <summary>Every authenticated request, for a test FlowSchema.</summary>
    public static PolicyRulesWithSubjects EveryoneEverything() => new()
    {
        Subjects = { Subject.Group(ApfDefaults.SystemAuthenticated) },
        ResourceRules = { new ResourcePolicyRule { Verbs = { "*" }, ApiGroups = { "*" }, Resources = { "*" }, Namespaces = { "*" }, ClusterScope = true } },
    };

    /// <summary>
    /// One queuing level "test" beside the mandatory exempt (0 shares) and catch-all (5 shares): with a server
    /// limit of shares + 5 the level's nominal limit is exactly <paramref name="shares"/>, and with no lending
    /// and no borrowing it stays there.
    /// </summary>
    public static ApfConfiguration OneLevel(int shares = 95, int queues = 64, int handSize = 6, int queueLengthLimit = 100)
    {
        var level = new PriorityLevelConfiguration
        {
            Name = "test", NominalConcurrencyShares = shares, LendablePercent = 0, BorrowingLimitPercent = 0,
            Queues = queues, HandSize = handSize, QueueLengthLimit = queueLengthLimit,
        };
        var schema = new FlowSchema
        {
            Name = "test", PriorityLevelName = "test", MatchingPrecedence = 500, Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules = { EveryoneEverything() },
        };
        return ApfConfiguration.From(new ApfObjects(new[] { level }, new[] { schema }), keepDefaults: false);
    }

    public static Classification User(ApfConfiguration config, string user) =>
        config.Classify(new RequestDigest(user, ApfIdentity.AuthenticatedGroups, "list", "", "pods", "default", true, null));
}
