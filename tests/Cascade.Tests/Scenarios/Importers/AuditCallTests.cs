using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>
/// The request shape one audit Event records: its query read as the API server reads it (resourceVersion's three
/// meanings, limit, selectors), its scope from the object reference, and a node-name selector turned into the
/// per-node placeholder with the node kept as evidence.
/// </summary>
public class AuditCallTests
{
    private static AuditCall Of(string uri, string? ns = null, string? name = null, string? sub = null, string? group = null)
    {
        var e = new AuditEvent { Verb = "list", RequestUri = uri, Resource = "pods", Namespace = ns, Name = name, Subresource = sub, ApiGroup = group };
        return AuditCall.Of(e, out _);
    }

    [Theory]
    [InlineData("/api/v1/pods", "")]
    [InlineData("/api/v1/pods?resourceVersion=", "")]
    [InlineData("/api/v1/pods?resourceVersion", "")]
    [InlineData("/api/v1/pods?resourceVersion=0", "0")]
    [InlineData("/api/v1/pods?resourceVersion=12345", "exact")]
    [InlineData("/api/v1/pods?limit=5&resourceVersion=00", "exact")]
    public void Resource_version_is_most_recent_any_or_exact(string uri, string rv) => Assert.Equal(rv, Of(uri).ResourceVersion);

    [Fact]
    public void The_query_gives_limit_match_and_selectors_joined_field_first()
    {
        var c = Of("/api/v1/pods?labelSelector=app%3Dweb&limit=500&resourceVersionMatch=NotOlderThan&fieldSelector=status.phase%3DRunning&watch=1");
        Assert.Equal((500L, "NotOlderThan", "status.phase=Running,app=web"), (c.Limit, c.ResourceVersionMatch, c.Selector));
        Assert.Equal("app=web", Of("/api/v1/pods?labelSelector=app%3Dweb").Selector);
        Assert.Equal("status.phase=Running", Of("/api/v1/pods?fieldSelector=status.phase%3DRunning").Selector);
        Assert.Equal("a b", Of("/api/v1/pods?labelSelector=a+b").Selector);              // '+' is a space, as Go reads it
        Assert.Equal("100%zz", Of("/api/v1/pods?labelSelector=100%zz").Selector);         // a broken escape is kept as written
        Assert.Equal(0, Of("/api/v1/pods?limit=-5").Limit);                               // not a count: no limit
        Assert.Equal(0, Of("/api/v1/pods?limit").Limit);
        Assert.Equal(("", "", 0L), (Of("/api/v1/pods").Selector, Of("/api/v1/pods").ResourceVersionMatch, Of("/api/v1/pods").Limit));
        Assert.Equal("", Of("/api/v1/pods?&&").Selector);
    }

    [Fact]
    public void A_node_name_selector_becomes_the_placeholder_and_names_the_node()
    {
        foreach (var selector in new[] { "spec.nodeName%3Dnode-7", "spec.nodeName%3D%3Dnode-7" })
        {
            var e = new AuditEvent { Verb = "list", RequestUri = $"/api/v1/pods?fieldSelector={selector}%2Cstatus.phase%3DRunning", Resource = "pods" };
            var c = AuditCall.Of(e, out var node);
            Assert.Equal("node-7", node);
            Assert.Equal("spec.nodeName=$(NODE_NAME),status.phase=Running", c.Selector);
        }
        var other = AuditCall.Of(new AuditEvent { Verb = "list", RequestUri = "/api/v1/pods?fieldSelector=metadata.name%3Dx", Resource = "pods" }, out var none);
        Assert.Null(none);
        Assert.Equal("metadata.name=x", other.Selector);
    }

    [Fact]
    public void Scope_comes_from_the_object_reference_and_a_subresource_joins_the_resource()
    {
        var obj = Of("/api/v1/namespaces/a/pods/p/status", ns: "a", name: "p", sub: "status", group: "");
        Assert.Equal((Scope.Object, "a", "pods/status"), (obj.Scope, obj.Namespace, obj.Resource));
        var ns = Of("/api/v1/namespaces/a/pods", ns: "a");
        Assert.Equal((Scope.Namespace, "a", "pods"), (ns.Scope, ns.Namespace, ns.Resource));
        var cluster = Of("/api/v1/pods", ns: "", name: "", sub: "");
        Assert.Equal((Scope.Cluster, "", "pods", ""), (cluster.Scope, cluster.Namespace, cluster.Resource, cluster.ApiGroup));
        var node = Of("/api/v1/nodes/n", name: "n");
        Assert.Equal((Scope.Object, ""), (node.Scope, node.Namespace));
        Assert.Equal("apps", Of("/apis/apps/v1/deployments", group: "apps").ApiGroup);
        Assert.Equal("", AuditCall.Of(new AuditEvent { Verb = "get", RequestUri = "/x" }, out _).Resource);
        Assert.Equal("list", ns.Verb);
    }

    [Fact]
    public void Calls_order_by_every_field_in_turn()
    {
        var a = new AuditCall("list", "", "pods", Scope.Cluster, "", "", "", 0, "");
        AuditCall[] later =
        [
            a with { Resource = "services" }, a with { ApiGroup = "x" }, a with { Verb = "watch" }, a with { Scope = Scope.Namespace },
            a with { Namespace = "b" }, a with { ResourceVersion = "0" }, a with { ResourceVersionMatch = "Exact" }, a with { Limit = 1 },
            a with { Selector = "s" },
        ];
        Assert.Equal(0, AuditCall.Compare(a, a));
        foreach (var b in later)
        {
            Assert.True(AuditCall.Compare(a, b) < 0, b.ToString());
            Assert.True(AuditCall.Compare(b, a) > 0, b.ToString());
        }
        // An earlier field decides before a later one.
        Assert.True(AuditCall.Compare(a with { Resource = "a", Selector = "z" }, a with { Resource = "b", Selector = "a" }) < 0);
        Assert.True(AuditCall.Compare(a with { Verb = "a", Limit = 9 }, a with { Verb = "b", Limit = 1 }) < 0);
    }
}
