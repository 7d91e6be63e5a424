using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;
using static Cascade.Tests.Scenarios.Importers.AuditLines;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>
/// Profiles turned into workloads, on a few hand-written lines each: the notes a person reads (periods, responses,
/// resourceVersionMatch), per-node evidence from each known agent's user agent, informers folded from a WATCH and the
/// LISTs of its collection, and what cannot be a call.
/// </summary>
public class ProfiledWorkloadsTests
{
    private static ProfileDocument Doc(params string[] lines) => ProfiledWorkloads.From(AuditProfiler.Profile(Stream(lines), "t.log"), []);

    private static string WithResponse(string line, string response) => line[..^1] + ",\"responseObject\":" + response + "}";

    [Theory]
    [InlineData("kube-proxy")]
    [InlineData("cilium-agent")]
    [InlineData("calico-node")]
    [InlineData("aws-node")]
    [InlineData("fluent-bit")]
    [InlineData("fluentd")]
    [InlineData("datadog-agent")]
    [InlineData("node-exporter")]
    [InlineData("node-problem-detector")]
    [InlineData("csi-node-driver-registrar")]
    public void A_known_per_node_agents_user_agent_makes_a_per_node_workload(string agent)
    {
        var doc = Doc(
            Event("a", 0, "system:serviceaccount:m:x", "get", "/api/v1/nodes/n1", "nodes", name: "n1", ip: "10.0.0.1", userAgent: agent + "/v1.2"),
            Event("b", 60, "system:serviceaccount:m:x", "get", "/api/v1/nodes/n2", "nodes", name: "n2", ip: "10.0.0.2", userAgent: agent + "/v1.2"));
        var w = Assert.Single(doc.Workloads);
        Assert.Equal(Placement.PerNode, w.Placement);
        Assert.Null(w.Replicas);
        Assert.Contains($"user agent {agent}/..., a per-node agent", w.Notes.Placement);
        var plain = Doc(
            Event("a", 0, "system:serviceaccount:m:x", "get", "/api/v1/nodes/n1", "nodes", name: "n1", ip: "10.0.0.1", userAgent: agent + "x/v1.2"),
            Event("b", 60, "system:serviceaccount:m:x", "get", "/api/v1/nodes/n2", "nodes", name: "n2", ip: "10.0.0.2", userAgent: agent + "x/v1.2"));
        Assert.Equal(Placement.Replicas, Assert.Single(plain.Workloads).Placement);
    }

    [Fact]
    public void A_calls_note_gives_its_rate_its_match_and_its_responses()
    {
        const string user = "system:serviceaccount:m:reader";
        var doc = Doc(
            WithResponse(Event("a", 0, user, "list", "/api/v1/pods?resourceVersionMatch=NotOlderThan&resourceVersion=5&limit=50", "pods"), """{"items":[{},{}]}"""),
            WithResponse(Event("b", 30, user, "list", "/api/v1/pods?resourceVersionMatch=NotOlderThan&resourceVersion=5&limit=50", "pods"), """{"items":[{}]}"""),
            Event("c", 40, user, "get", "/api/v1/namespaces/a/configmaps/c", "configmaps", ns: "a", name: "c"));
        var w = Assert.Single(doc.Workloads);
        Assert.Equal(("reader", "m/reader", Placement.Replicas, 1), (w.Name, w.Identity.ServiceAccount, w.Placement, w.Replicas));
        var list = w.Calls.Single(c => c.Verb == Verb.List);
        Assert.Equal(("pods", Scope.Cluster, (string?)null, "exact", (string?)null, (long?)50, "30s"), (list.Resource, list.Scope, list.Namespace, list.ResourceVersion, list.Selector, list.Limit, list.Every));
        int bytes = ("""{"items":[{},{}]}""".Length + """{"items":[{}]}""".Length) / 2;
        Assert.Equal($"2 requests: one every 30 s per caller; resourceVersionMatch NotOlderThan; response {bytes} bytes on average (responseObject as logged), 1.5 items", list.Note);
        var get = w.Calls.Single(c => c.Verb == Verb.Get);
        // One caller calling from 0 s to 40 s, three requests: 60 s of calling, over each call's requests.
        Assert.Equal(("a", Scope.Object, (long?)null, "1m"), (get.Namespace, get.Scope, get.Limit, get.Every));
        Assert.Equal("1 request: one every 60 s per caller", get.Note);
        Assert.Contains("1 caller", w.Notes.Placement[0]);
        Assert.Equal("2024-12-11T14:00:00Z", doc.From);
        Assert.Equal("2024-12-11T14:00:40Z", doc.To);
    }

    [Fact]
    public void A_watch_and_the_lists_of_its_collection_are_one_informer_and_other_watches_are_left_out()
    {
        const string user = "system:serviceaccount:m:ctl";
        var doc = Doc(
            Event("l1", 0, user, "list", "/api/v1/namespaces/a/pods?labelSelector=app%3Dx&limit=500", "pods", ns: "a"),
            Event("w1", 1, user, "watch", "/api/v1/namespaces/a/pods?labelSelector=app%3Dx&watch=1", "pods", ns: "a"),
            Event("w2", 300, user, "watch", "/api/v1/namespaces/a/pods?labelSelector=app%3Dx&watch=1", "pods", ns: "a"),
            Event("l2", 2, user, "list", "/api/v1/namespaces/b/pods", "pods", ns: "b"),
            Event("w3", 3, user, "watch", "/api/v1/services?watch=1", "services"),
            Event("w4", 4, user, "watch", "/api/v1/namespaces/a/pods/p?watch=1", "pods", ns: "a", name: "p"),
            Event("x1", 5, user, "proxy", "/api/v1/namespaces/a/pods/p/proxy", "pods", ns: "a", name: "p"),
            Event("x2", 6, user, "list", "/api/v1/namespaces/a/secrets/s", "secrets", ns: "a", name: "s"));
        var w = Assert.Single(doc.Workloads);
        Assert.Equal(2, w.Informers!.Count);
        var pods = w.Informers.Single(i => i.Resource == "pods");
        Assert.Equal((Scope.Namespace, "a", "app=x", "", 500L), (pods.Scope, pods.Namespace, pods.Selector, pods.ResourceVersion, pods.PageSize));
        Assert.Equal("2 WATCHes and 1 LISTs", pods.Note);
        var services = w.Informers.Single(i => i.Resource == "services");
        Assert.Equal((Scope.Cluster, (string?)null, (string?)null, "0", 0L), (services.Scope, services.Namespace, services.Selector, services.ResourceVersion, services.PageSize));
        Assert.Equal("1 WATCHes and 0 LISTs (none seen: resourceVersion \"0\", unpaginated)", services.Note);
        // The other namespace's LIST is its own call; a watch of one object, a proxy and a LIST of one object cannot be calls.
        var call = Assert.Single(w.Calls);
        Assert.Equal(("pods", "b"), (call.Resource, call.Namespace));
        Assert.Equal(["watch pods of one object: 1 requests", "proxy pods: 1 requests", "list secrets: 1 requests"], w.Notes.NotExpressed);
    }

    [Fact]
    public void A_user_keeps_its_groups_but_the_authenticated_one_and_names_are_made_unique()
    {
        var doc = Doc(
            Event("a", 0, "CI Bot", "get", "/api/v1/nodes/n", "nodes", name: "n", groups: ["system:authenticated", "ci"]),
            Event("b", 1, "ci-bot", "get", "/api/v1/nodes/n", "nodes", name: "n", groups: ["system:authenticated"]),
            Event("c", 2, "@@", "get", "/api/v1/nodes/n", "nodes", name: "n"));
        Assert.Equal(["workload", "ci-bot", "ci-bot-2"], doc.Workloads.Select(w => w.Name));
        var bot = doc.Workloads.Single(w => w.Identity.User == "CI Bot");
        Assert.Equal(["ci"], bot.Identity.Groups!);
        Assert.Null(doc.Workloads.Single(w => w.Identity.User == "ci-bot").Identity.Groups);
        Assert.Null(bot.Identity.ServiceAccount);
    }

    [Fact]
    public void Warnings_say_what_a_bound_left_out_and_left_out_callers_say_what_models_them()
    {
        var lines = new List<string>
        {
            Event("k", 0, "system:node:n1", "get", "/api/v1/nodes/n1", "nodes", name: "n1"),
            Event("o", 1, "a", "get", "/x", null, stage: "RequestReceived"),
            Event("p", 2, "a", "get", "/x", null, stage: "RequestReceived"),
        };
        for (int i = 0; i < 3; i++) lines.Add(Event($"s{i}", 3 + i, "a", "get", $"/api/v1/namespaces/n/configmaps/c?limit={i + 1}", "configmaps", ns: "n", name: "c"));
        lines.Add(Event("z", 9, "zed", "get", "/x", null));
        var p = AuditProfiler.Profile(Stream(lines), "t.log", new AuditProfileLimits(Identities: 2, CallsPerIdentity: 2, DistinctValues: 2, OpenRequests: 1));
        var doc = ProfiledWorkloads.From(p, []);
        Assert.Equal([
            "1 requests by identities past the first 2 were not profiled",
            "1 requests without a final stage were dropped: more than 1 were open at once",
            "more than 2 distinct callers, IPs and nodes: later ones were not told apart, so caller counts are lower bounds",
            "a: 1 requests of shapes past the first 2 were not profiled",
        ], doc.Warnings);
        Assert.Equal(["system:node:*: 1 request from 1 caller, modelled by the kubelets (cluster.kubelets)"], doc.LeftOut);
        // Named with --change, a modelled caller is profiled; a name the log lacks is bad input.
        Assert.Contains(ProfiledWorkloads.From(p, ["system:node:*"]).Workloads, w => w.Notes.User == AuditProfiler.Kubelets);
        var e = Assert.Throws<InputException>(() => ProfiledWorkloads.From(p, ["nobody"]));
        Assert.Equal("--change", e.Field);
        Assert.Contains("identities: a, system:node:*", e.Message);
    }
}
