using Cascade.Cluster;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The user names and groups authentication gives each kind of client (docs/sources.md §2.3): APF's FlowSchemas
/// match on them, so a wrong string moves a client to another priority level. And the response tag's fields.
/// </summary>
public class IdentityTests
{
    [Fact]
    public void A_service_account_is_system_serviceaccount_ns_name_in_the_service_account_groups()
    {
        var id = Identity.ServiceAccount("monitoring", "agent");
        Assert.Equal("system:serviceaccount:monitoring:agent", id.User);
        Assert.Equal(new[] { "system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated" }, id.Groups);
        var dns = Identity.KubeSystem("coredns");
        Assert.Equal("system:serviceaccount:kube-system:coredns", dns.User);
        Assert.Equal(new[] { "system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated" }, dns.Groups);
    }

    [Fact]
    public void A_kubelet_is_system_node_name_in_system_nodes()
    {
        var id = Identity.Node("node-7");
        Assert.Equal("system:node:node-7", id.User);
        Assert.Equal(new[] { "system:nodes", "system:authenticated" }, id.Groups);
    }

    [Fact]
    public void The_control_planes_own_users_and_a_named_user_are_authenticated()
    {
        Assert.Equal("system:kube-controller-manager", Identity.KubeControllerManager.User);
        Assert.Equal(new[] { "system:authenticated" }, Identity.KubeControllerManager.Groups);
        Assert.Equal("system:kube-scheduler", Identity.KubeScheduler.User);
        Assert.Equal(new[] { "system:authenticated" }, Identity.KubeScheduler.Groups);
        var user = Identity.ForUser("alice", ["ops", "system:authenticated"]);
        Assert.Equal("alice", user.User);
        Assert.Equal(new[] { "ops", "system:authenticated" }, user.Groups);   // added once, after the user's own
        Assert.Equal(new[] { "system:authenticated" }, Identity.ForUser("bob", []).Groups);
    }

    [Theory]
    [InlineData(0L, 0, 0L)]
    [InlineData(3L, 12345, 777L)]
    [InlineData(255L, int.MaxValue, (1L << 23) - 1)]
    [InlineData(1L, 5, -1L)]
    [InlineData(2L, 0, -(1L << 23))]
    public void A_response_tag_gives_back_its_kind_index_and_extra(long kind, int index, long extra)
    {
        long tag = ResponseTag.Make(kind, index, extra);
        Assert.Equal((kind, index, (int)extra), (ResponseTag.Kind(tag), ResponseTag.Index(tag), ResponseTag.Extra(tag)));
    }
}
