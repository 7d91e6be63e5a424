namespace Cascade.ControlPlane.Apf;

// Stands for: the API server's bootstrap configuration objects, mandatory (exempt, catch-all) and
// suggested (system, node-high, leader-election, workload-high, workload-low, global-default), from
// kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap/default.go
// (flowcontrol v1, Kubernetes >= 1.29). Keeps every field of those objects that affects dispatching;
// leaves out their annotations (apf.kubernetes.io/autoupdate-spec) and the ensurer that re-applies them.

public static class ApfDefaults
{
    public const string Exempt = "exempt";
    public const string CatchAll = "catch-all";

    // Identities (k8s.io/apiserver/pkg/authentication/user and serviceaccount).
    public const string SystemMasters = "system:masters";
    public const string SystemNodes = "system:nodes";
    public const string SystemAuthenticated = "system:authenticated";
    public const string SystemUnauthenticated = "system:unauthenticated";
    public const string AllServiceAccounts = "system:serviceaccounts";
    public const string KubeControllerManager = "system:kube-controller-manager";
    public const string KubeScheduler = "system:kube-scheduler";

    /// <summary>Fresh objects on every call, so that no caller can change another's defaults.</summary>
    public static IReadOnlyList<PriorityLevelConfiguration> PriorityLevels => new[]
    {
        // docs/sources.md §2.2: exempt — no limit; v1 default NCS 0, lendable 0 (bootstrap default.go).
        new PriorityLevelConfiguration { Name = Exempt, Type = PriorityLevelType.Exempt, NominalConcurrencyShares = 0, LendablePercent = 0 },
        // docs/sources.md §2.2: system NCS 30, lendable 33 %, 64 queues, hand 6, queue length 50.
        Queuing("system", shares: 30, lendable: 33, queues: 64, hand: 6, length: 50),
        // docs/sources.md §2.2: node-high NCS 40, lendable 25 %, 64 queues, hand 6, queue length 50.
        Queuing("node-high", shares: 40, lendable: 25, queues: 64, hand: 6, length: 50),
        // docs/sources.md §2.2: leader-election NCS 10, lendable 0 %, 16 queues, hand 4, queue length 50.
        Queuing("leader-election", shares: 10, lendable: 0, queues: 16, hand: 4, length: 50),
        // docs/sources.md §2.2: workload-high NCS 40, lendable 50 %, 128 queues, hand 6, queue length 50.
        Queuing("workload-high", shares: 40, lendable: 50, queues: 128, hand: 6, length: 50),
        // docs/sources.md §2.2: workload-low NCS 100, lendable 90 %, 128 queues, hand 6, queue length 50.
        Queuing("workload-low", shares: 100, lendable: 90, queues: 128, hand: 6, length: 50),
        // docs/sources.md §2.2: global-default NCS 20, lendable 50 %, 128 queues, hand 6, queue length 50.
        Queuing("global-default", shares: 20, lendable: 50, queues: 128, hand: 6, length: 50),
        // docs/sources.md §2.2: catch-all NCS 5, lendable 0 %, reject, no queues.
        new PriorityLevelConfiguration { Name = CatchAll, NominalConcurrencyShares = 5, LendablePercent = 0, LimitResponse = LimitResponseType.Reject, Queues = 0, HandSize = 0, QueueLengthLimit = 0 },
    };

    /// <summary>Fresh objects on every call, in matching order.</summary>
    public static IReadOnlyList<FlowSchema> FlowSchemas => new[]
    {
        // docs/sources.md §2.3: exempt (1) — group system:masters, everything, no distinguisher.
        new FlowSchema
        {
            Name = Exempt, PriorityLevelName = Exempt, MatchingPrecedence = 1, Distinguisher = null,
            Rules = { Everything(Subject.Group(SystemMasters)) },
        },
        // docs/sources.md §2.3: probes (2) — anyone's GET /healthz /readyz /livez, exempt.
        new FlowSchema
        {
            Name = "probes", PriorityLevelName = Exempt, MatchingPrecedence = 2, Distinguisher = null,
            Rules =
            {
                new PolicyRulesWithSubjects
                {
                    Subjects = { Subject.Group(SystemUnauthenticated), Subject.Group(SystemAuthenticated) },
                    NonResourceRules = { new NonResourcePolicyRule { Verbs = { "get" }, NonResourceUrls = { "/healthz", "/readyz", "/livez" } } },
                },
            },
        },
        // docs/sources.md §2.3: system-leader-election (100) — KCM, scheduler, kube-system SAs; their leases.
        new FlowSchema
        {
            Name = "system-leader-election", PriorityLevelName = "leader-election", MatchingPrecedence = 100,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules =
            {
                new PolicyRulesWithSubjects
                {
                    Subjects = { Subject.User(KubeControllerManager), Subject.User(KubeScheduler), Subject.ServiceAccount("kube-system", "*") },
                    ResourceRules =
                    {
                        Resource(new[] { "get", "create", "update" }, "", new[] { "endpoints", "configmaps" }, new[] { "kube-system" }, clusterScope: false),
                        Resource(new[] { "get", "create", "update" }, "coordination.k8s.io", new[] { "leases" }, new[] { "*" }, clusterScope: false),
                    },
                },
            },
        },
        // docs/sources.md §2.3: endpoint-controller (150) — endpoint controllers writing endpoints → workload-high.
        new FlowSchema
        {
            Name = "endpoint-controller", PriorityLevelName = "workload-high", MatchingPrecedence = 150,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules =
            {
                new PolicyRulesWithSubjects
                {
                    Subjects =
                    {
                        Subject.User(KubeControllerManager),
                        Subject.ServiceAccount("kube-system", "endpoint-controller"),
                        Subject.ServiceAccount("kube-system", "endpointslicemirroring-controller"),
                    },
                    ResourceRules = { Resource(new[] { "get", "create", "update" }, "", new[] { "endpoints" }, new[] { "*" }, clusterScope: false) },
                },
            },
        },
        // docs/sources.md §2.3: workload-leader-election (200) — kube-system SAs; endpoints/configmaps/leases.
        new FlowSchema
        {
            Name = "workload-leader-election", PriorityLevelName = "leader-election", MatchingPrecedence = 200,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules =
            {
                new PolicyRulesWithSubjects
                {
                    Subjects = { Subject.ServiceAccount("kube-system", "*") },
                    ResourceRules =
                    {
                        Resource(new[] { "get", "create", "update" }, "", new[] { "endpoints", "configmaps" }, new[] { "*" }, clusterScope: false),
                        Resource(new[] { "get", "create", "update" }, "coordination.k8s.io", new[] { "leases" }, new[] { "*" }, clusterScope: false),
                    },
                },
            },
        },
        // docs/sources.md §2.3: system-node-high (400) — group system:nodes; nodes, nodes/status, leases → node-high.
        new FlowSchema
        {
            Name = "system-node-high", PriorityLevelName = "node-high", MatchingPrecedence = 400,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules =
            {
                new PolicyRulesWithSubjects
                {
                    Subjects = { Subject.Group(SystemNodes) },
                    ResourceRules =
                    {
                        Resource(new[] { "*" }, "", new[] { "nodes", "nodes/status" }, new[] { "*" }, clusterScope: true),
                        Resource(new[] { "*" }, "coordination.k8s.io", new[] { "leases" }, new[] { "*" }, clusterScope: false),
                    },
                },
            },
        },
        // docs/sources.md §2.3: system-nodes (500) — group system:nodes, everything else → system.
        new FlowSchema
        {
            Name = "system-nodes", PriorityLevelName = "system", MatchingPrecedence = 500,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules = { Everything(Subject.Group(SystemNodes)) },
        },
        // docs/sources.md §2.3: kube-controller-manager (800) → workload-high, ByNamespace.
        new FlowSchema
        {
            Name = "kube-controller-manager", PriorityLevelName = "workload-high", MatchingPrecedence = 800,
            Distinguisher = FlowDistinguisherMethod.ByNamespace,
            Rules = { Everything(Subject.User(KubeControllerManager)) },
        },
        // docs/sources.md §2.3: kube-scheduler (800) → workload-high, ByNamespace.
        new FlowSchema
        {
            Name = "kube-scheduler", PriorityLevelName = "workload-high", MatchingPrecedence = 800,
            Distinguisher = FlowDistinguisherMethod.ByNamespace,
            Rules = { Everything(Subject.User(KubeScheduler)) },
        },
        // docs/sources.md §2.3: kube-system-service-accounts (900) → workload-high, ByNamespace.
        new FlowSchema
        {
            Name = "kube-system-service-accounts", PriorityLevelName = "workload-high", MatchingPrecedence = 900,
            Distinguisher = FlowDistinguisherMethod.ByNamespace,
            Rules = { Everything(Subject.ServiceAccount("kube-system", "*")) },
        },
        // docs/sources.md §2.3: service-accounts (9000) — group system:serviceaccounts → workload-low, ByUser.
        new FlowSchema
        {
            Name = "service-accounts", PriorityLevelName = "workload-low", MatchingPrecedence = 9000,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules = { Everything(Subject.Group(AllServiceAccounts)) },
        },
        // docs/sources.md §2.3: global-default (9900) — all other users → global-default, ByUser.
        new FlowSchema
        {
            Name = "global-default", PriorityLevelName = "global-default", MatchingPrecedence = 9900,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules = { Everything(Subject.Group(SystemUnauthenticated), Subject.Group(SystemAuthenticated)) },
        },
        // docs/sources.md §2.3: catch-all (10000) — everything else → catch-all, ByUser.
        new FlowSchema
        {
            Name = CatchAll, PriorityLevelName = CatchAll, MatchingPrecedence = 10000,
            Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules = { Everything(Subject.Group(SystemUnauthenticated), Subject.Group(SystemAuthenticated)) },
        },
    };

    /// <summary>The mandatory exempt level (kept even when a configuration leaves it out).</summary>
    public static PriorityLevelConfiguration MandatoryExemptLevel => PriorityLevels[0];

    /// <summary>The mandatory catch-all level.</summary>
    public static PriorityLevelConfiguration MandatoryCatchAllLevel => PriorityLevels[^1];

    public static FlowSchema MandatoryExemptSchema => FlowSchemas[0];
    public static FlowSchema MandatoryCatchAllSchema => FlowSchemas[^1];

    private static PriorityLevelConfiguration Queuing(string name, int shares, int lendable, int queues, int hand, int length) => new()
    {
        Name = name,
        Type = PriorityLevelType.Limited,
        NominalConcurrencyShares = shares,
        LendablePercent = lendable,
        BorrowingLimitPercent = null,
        LimitResponse = LimitResponseType.Queue,
        Queues = queues,
        HandSize = hand,
        QueueLengthLimit = length,
    };

    private static ResourcePolicyRule Resource(string[] verbs, string apiGroup, string[] resources, string[] namespaces, bool clusterScope) => new()
    {
        Verbs = verbs.ToList(),
        ApiGroups = { apiGroup },
        Resources = resources.ToList(),
        Namespaces = namespaces.ToList(),
        ClusterScope = clusterScope,
    };

    /// <summary>Every verb on every resource anywhere, and every non-resource URL.</summary>
    private static PolicyRulesWithSubjects Everything(params Subject[] subjects) => new()
    {
        Subjects = subjects.ToList(),
        ResourceRules = { Resource(new[] { "*" }, "*", new[] { "*" }, new[] { "*" }, clusterScope: true) },
        NonResourceRules = { new NonResourcePolicyRule { Verbs = { "*" }, NonResourceUrls = { "*" } } },
    };
}
