using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>
/// Which FlowSchema and priority level each kind of requester lands in under the suggested configuration
/// (bootstrap default.go, docs/sources.md §2.3), rule element by rule element: each verb, resource, namespace,
/// API group, subject and scope of every default FlowSchema decides at least one request below, and a request
/// just outside a rule (another verb, a cluster-scoped form, another namespace) falls to the next schema.
/// Also the max-in-flight configuration (pre-1.20 API servers), the identities' groups and the built-in resources.
/// </summary>
public class DefaultClassificationTests
{
    private static (string User, IReadOnlyList<string> Groups) Who(string who) => who switch
    {
        "anonymous" => ("system:anonymous", ["system:unauthenticated"]),
        "alice" => ("alice", ApfIdentity.AuthenticatedGroups),
        "admin" => ("kubernetes-admin", ApfIdentity.MastersGroups),
        "kcm" => (ApfDefaults.KubeControllerManager, ApfIdentity.AuthenticatedGroups),
        "scheduler" => (ApfDefaults.KubeScheduler, ApfIdentity.AuthenticatedGroups),
        "node" => (ApfIdentity.NodeUser("n1"), ApfIdentity.NodeGroups),
        _ when who.StartsWith("sa:") => (ApfIdentity.ServiceAccountUser(who.Split(':')[1], who.Split(':')[2]), ApfIdentity.ServiceAccountGroups(who.Split(':')[1])),
        _ => throw new ArgumentException(who),
    };

    /// <summary>A resource request; <paramref name="ns"/> "-" is a cluster-scoped request. A path starting "/" is a non-resource request.</summary>
    private static RequestDigest Request(string who, string verb, string groupOrPath, string resource = "", string ns = "-")
    {
        var (user, groups) = Who(who);
        return groupOrPath.StartsWith('/')
            ? new RequestDigest(user, groups, verb, "", "", null, false, groupOrPath)
            : new RequestDigest(user, groups, verb, groupOrPath == "core" ? "" : groupOrPath, resource, ns == "-" ? null : ns, true, null);
    }

    private static (string Schema, string Level) Classify(ApfConfiguration c, RequestDigest d)
    {
        var k = c.Classify(d);
        return (c.FlowSchemas[k.FlowSchema].Name, c.PriorityLevels[k.PriorityLevel].Name);
    }

    [Theory]
    // probes: anyone's GET of /healthz, /readyz, /livez; nothing else.
    [InlineData("anonymous", "get", "/healthz", "", "-", "probes", "exempt")]
    [InlineData("alice", "get", "/readyz", "", "-", "probes", "exempt")]
    [InlineData("alice", "get", "/livez", "", "-", "probes", "exempt")]
    [InlineData("alice", "post", "/healthz", "", "-", "global-default", "global-default")]
    [InlineData("anonymous", "get", "/metrics", "", "-", "global-default", "global-default")]
    // system-leader-election: the controller manager, the scheduler and kube-system's service accounts on their
    // endpoints and configmaps in kube-system, and on leases anywhere; get, create and update only.
    [InlineData("kcm", "get", "core", "endpoints", "kube-system", "system-leader-election", "leader-election")]
    [InlineData("scheduler", "create", "core", "configmaps", "kube-system", "system-leader-election", "leader-election")]
    [InlineData("kcm", "update", "core", "configmaps", "kube-system", "system-leader-election", "leader-election")]
    [InlineData("sa:kube-system:foo", "get", "coordination.k8s.io", "leases", "team-a", "system-leader-election", "leader-election")]
    [InlineData("kcm", "create", "coordination.k8s.io", "leases", "kube-system", "system-leader-election", "leader-election")]
    [InlineData("scheduler", "update", "coordination.k8s.io", "leases", "default", "system-leader-election", "leader-election")]
    [InlineData("kcm", "list", "coordination.k8s.io", "leases", "kube-system", "kube-controller-manager", "workload-high")]
    [InlineData("kcm", "get", "core", "configmaps", "default", "kube-controller-manager", "workload-high")]
    [InlineData("kcm", "get", "core", "configmaps", "-", "kube-controller-manager", "workload-high")]
    [InlineData("kcm", "get", "apps", "configmaps", "kube-system", "kube-controller-manager", "workload-high")]
    [InlineData("scheduler", "get", "coordination.k8s.io", "leases", "-", "kube-scheduler", "workload-high")]
    [InlineData("scheduler", "get", "core", "pods", "default", "kube-scheduler", "workload-high")]
    // endpoint-controller: the controller manager and the two endpoint controllers' accounts writing endpoints anywhere.
    [InlineData("sa:kube-system:endpoint-controller", "update", "core", "endpoints", "default", "endpoint-controller", "workload-high")]
    [InlineData("sa:kube-system:endpointslicemirroring-controller", "create", "core", "endpoints", "default", "endpoint-controller", "workload-high")]
    [InlineData("kcm", "get", "core", "endpoints", "default", "endpoint-controller", "workload-high")]
    [InlineData("kcm", "get", "core", "endpoints", "-", "kube-controller-manager", "workload-high")]
    [InlineData("sa:kube-system:endpoint-controller", "delete", "core", "endpoints", "default", "kube-system-service-accounts", "workload-high")]
    [InlineData("sa:kube-system:endpoint-controller", "get", "core", "endpoints", "-", "kube-system-service-accounts", "workload-high")]
    // workload-leader-election: any kube-system service account on endpoints and configmaps anywhere.
    [InlineData("sa:kube-system:foo", "update", "core", "endpoints", "default", "workload-leader-election", "leader-election")]
    [InlineData("sa:kube-system:foo", "get", "core", "configmaps", "default", "workload-leader-election", "leader-election")]
    [InlineData("sa:kube-system:foo", "create", "core", "endpoints", "team-a", "workload-leader-election", "leader-election")]
    [InlineData("sa:kube-system:foo", "list", "core", "configmaps", "default", "kube-system-service-accounts", "workload-high")]
    [InlineData("sa:kube-system:foo", "get", "core", "configmaps", "-", "kube-system-service-accounts", "workload-high")]
    // system-node-high: nodes on their Node objects (cluster-scoped) and leases (namespaced); system-nodes for the rest.
    [InlineData("node", "update", "core", "nodes/status", "-", "system-node-high", "node-high")]
    [InlineData("node", "get", "core", "nodes", "-", "system-node-high", "node-high")]
    [InlineData("node", "update", "coordination.k8s.io", "leases", "kube-node-lease", "system-node-high", "node-high")]
    [InlineData("node", "get", "coordination.k8s.io", "leases", "-", "system-nodes", "system")]
    [InlineData("node", "get", "core", "pods", "default", "system-nodes", "system")]
    [InlineData("node", "get", "/version", "", "-", "system-nodes", "system")]
    // service accounts outside kube-system, other users, cluster admins.
    [InlineData("sa:team-a:web", "list", "core", "pods", "team-a", "service-accounts", "workload-low")]
    [InlineData("sa:team-a:web", "get", "/metrics", "", "-", "service-accounts", "workload-low")]
    [InlineData("alice", "get", "core", "configmaps", "team-a", "global-default", "global-default")]
    [InlineData("anonymous", "list", "core", "pods", "-", "global-default", "global-default")]
    [InlineData("admin", "delete", "apps", "daemonsets", "telemetry", "exempt", "exempt")]
    public void Each_default_rule_decides_a_request_and_one_just_outside_it_falls_through(string who, string verb, string groupOrPath,
        string resource, string ns, string schema, string level)
    {
        Assert.Equal((schema, level), Classify(ApfConfiguration.Default, Request(who, verb, groupOrPath, resource, ns)));
    }

    [Theory]
    [InlineData("get", "default", "workload-leader-election")]
    [InlineData("create", "default", "workload-leader-election")]
    [InlineData("update", "team-a", "workload-leader-election")]
    [InlineData("list", "default", "kube-system-service-accounts")]
    [InlineData("get", "-", "kube-system-service-accounts")]
    public void With_system_leader_election_replaced_kube_system_accounts_leases_fall_to_workload_leader_election(string verb, string ns, string schema)
    {
        // The default system-leader-election covers every lease workload-leader-election does; a cluster whose own
        // system-leader-election matches nothing shows the second schema's lease rule.
        var replaced = new FlowSchema { Name = "system-leader-election", PriorityLevelName = "leader-election", MatchingPrecedence = 100 };
        var c = ApfConfiguration.From(new ApfObjects([], [replaced]), keepDefaults: true);
        Assert.Equal(schema, Classify(c, Request("sa:kube-system:foo", verb, "coordination.k8s.io", "leases", ns)).Schema);
    }

    [Fact]
    public void Max_inflight_is_two_rejecting_pools_of_exactly_the_flags_seats_reads_and_writes()
    {
        var c = MaxInflight.Configuration(400, 200);
        Assert.Equal(["exempt", MaxInflight.ReadOnly, MaxInflight.Mutating, "catch-all"], c.PriorityLevels.Select(l => l.Name));
        var limits = c.Limits(600);
        foreach (var name in new[] { MaxInflight.ReadOnly, MaxInflight.Mutating })
        {
            var pl = c.PriorityLevels[c.PriorityLevelIndex(name)];
            Assert.Equal((PriorityLevelType.Limited, LimitResponseType.Reject, 0, (int?)0), (pl.Type, pl.LimitResponse, pl.LendablePercent, pl.BorrowingLimitPercent));
            var l = limits[c.PriorityLevelIndex(name)];
            Assert.Equal(l.NominalCL, l.MaxCL); // no borrowing either way
        }
        Assert.Equal(400, limits[c.PriorityLevelIndex(MaxInflight.ReadOnly)].NominalCL);
        Assert.Equal(200, limits[c.PriorityLevelIndex(MaxInflight.Mutating)].NominalCL);

        foreach (var verb in new[] { "get", "list", "watch" })
        {
            Assert.Equal(MaxInflight.ReadOnly, Classify(c, Request("alice", verb, "core", "pods", "default")).Level);
            Assert.Equal(MaxInflight.ReadOnly, Classify(c, Request("anonymous", verb, "apps", "deployments", "team-a")).Level);
            Assert.Equal(MaxInflight.ReadOnly, Classify(c, Request("node", verb, "core", "nodes", "-")).Level);
        }
        foreach (var verb in new[] { "create", "update", "patch", "delete" })
            Assert.Equal(MaxInflight.Mutating, Classify(c, Request("sa:team-a:web", verb, "coordination.k8s.io", "leases", "team-a")).Level);
        Assert.Equal(MaxInflight.Mutating, Classify(c, Request("node", "update", "core", "nodes/status", "-")).Level);
        Assert.Equal("exempt", Classify(c, Request("admin", "delete", "core", "pods", "default")).Level);
    }

    [Fact]
    public void Max_inflight_without_a_write_pool_has_no_write_level_and_writes_fall_to_catch_all()
    {
        var c = MaxInflight.Configuration(300, 0);
        Assert.Equal(["exempt", MaxInflight.ReadOnly, "catch-all"], c.PriorityLevels.Select(l => l.Name));
        Assert.Equal(MaxInflight.ReadOnly, Classify(c, Request("alice", "get", "core", "pods", "default")).Level);
        Assert.Equal("catch-all", Classify(c, Request("alice", "create", "core", "pods", "default")).Level);
    }

    [Fact]
    public void Identities_carry_the_groups_the_api_server_gives_them()
    {
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"], ApfIdentity.ServiceAccountGroups("team-a"));
        Assert.Equal("system:serviceaccount:team-a:web", ApfIdentity.ServiceAccountUser("team-a", "web"));
        Assert.Equal("system:node:n1", ApfIdentity.NodeUser("n1"));
        Assert.Equal(["system:nodes", "system:authenticated"], ApfIdentity.NodeGroups);
        Assert.Equal(["system:masters", "system:authenticated"], ApfIdentity.MastersGroups);
    }

    [Theory]
    // The API's own groups and scopes (kubectl api-resources); sizes are the model's assumptions, pods' measured.
    [InlineData("pods", "", true)]
    [InlineData("nodes", "", false)]
    [InlineData("leases", "coordination.k8s.io", true)]
    [InlineData("services", "", true)]
    [InlineData("endpoints", "", true)]
    [InlineData("endpointslices", "discovery.k8s.io", true)]
    [InlineData("configmaps", "", true)]
    [InlineData("secrets", "", true)]
    [InlineData("events", "", true)]
    [InlineData("deployments", "apps", true)]
    [InlineData("replicasets", "apps", true)]
    [InlineData("daemonsets", "apps", true)]
    [InlineData("namespaces", "", false)]
    [InlineData("widgets", "", true)]
    public void Built_in_resources_have_their_api_group_and_scope(string name, string group, bool namespaced)
    {
        var (g, ns, bytes) = ApiResource.Defaults(name);
        Assert.Equal((group, namespaced), (g, ns));
        Assert.True(bytes > 0);
        if (name == "pods") Assert.Equal(10_000, bytes); // docs/sources.md §2.6: 602 MB for 60,077 pods
    }
}
