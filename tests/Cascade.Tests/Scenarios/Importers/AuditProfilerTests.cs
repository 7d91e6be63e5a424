using System.Text;
using Cascade.Scenarios.Importers;
using static Cascade.Tests.Scenarios.Importers.AuditLines;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>
/// The profiler's counting on a few hand-written lines: each request once (at its final stage, or the last it shows),
/// callers told apart in the documented order, the kubelets folded into one identity, responses summed, the window
/// from first to last, and what is malformed kept and reported.
/// </summary>
public class AuditProfilerTests
{
    private static AuditProfile Profile(params string[] lines) => AuditProfiler.Profile(Stream(lines), "t.log");

    private static string WithResponse(string line, string response) => line[..^1] + ",\"responseObject\":" + response + "}";

    [Fact]
    public void A_request_counts_once_with_what_its_final_stage_says_and_one_never_finished_counts_at_its_last_stage()
    {
        var p = Profile(
            Event("r1", 5, "alice", "get", "/api/v1/namespaces/a/configmaps/c", "configmaps", stage: "RequestReceived", ns: "a", name: "c", userAgent: "early/1"),
            Event("r1", 6, "alice", "get", "/api/v1/namespaces/a/configmaps/c", "configmaps", ns: "a", name: "c", userAgent: "late/1"),
            Event("r2", 2, "alice", "get", "/api/v1/namespaces/a/configmaps/c", "configmaps", stage: "RequestReceived", ns: "a", name: "c"),
            Event("r2", 3, "alice", "get", "/api/v1/namespaces/a/configmaps/c", "configmaps", stage: "ResponseStarted", ns: "a", name: "c"),
            "",
            "   ",
            Event("r3", 9, "alice", "get", "/healthz", null));
        Assert.Equal((7L, 5L, 3L, 0L, 0L), (p.Lines, p.Events, p.Requests, p.MalformedCount, p.DroppedOpenRequests));
        var alice = Assert.Single(p.Identities);
        Assert.Equal((3L, 1L), (alice.Requests, alice.NonResourceRequests));
        Assert.Equal(2, Assert.Single(alice.Calls).Value.Requests);
        Assert.Equal(1, alice.UserAgents["late/1"]);
        Assert.False(alice.UserAgents.ContainsKey("early/1"));     // the final stage's fields, not the first's
        Assert.Equal(new DateTimeOffset(Start.AddSeconds(3)), p.First);                  // r2 at its last stage, r1 at its final one
        Assert.Equal(new DateTimeOffset(Start.AddSeconds(9)), p.Last);
        Assert.Equal(6, p.WindowSeconds);
    }

    [Fact]
    public void Callers_are_the_pod_else_the_node_else_the_selected_node_else_the_source_ip_and_kubelets_are_one_identity()
    {
        var p = Profile(
            Event("a", 1, "system:serviceaccount:m:agent", "list", "/api/v1/pods", "pods", pod: "agent-1", node: "n1", ip: "10.0.0.1"),
            Event("b", 2, "system:serviceaccount:m:agent", "list", "/api/v1/pods", "pods", node: "n2", ip: "10.0.0.1"),
            Event("c", 3, "system:serviceaccount:m:agent", "list", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn3", "pods", ip: "10.0.0.1"),
            Event("d", 4, "system:serviceaccount:m:agent", "list", "/api/v1/pods", "pods", ip: "10.0.0.9"),
            Event("e", 5, "system:node:n7", "update", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n7", "leases", ns: "kube-node-lease", name: "n7", ip: "10.1.0.7"),
            Event("f", 6, "system:node:n8", "update", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n8", "leases", ns: "kube-node-lease", name: "n8", ip: "10.1.0.8"),
            Event("g", 7, "system:node:n8", "get", "/api/v1/nodes/n8", "nodes", name: "n8", ip: "10.1.0.8", pod: null, node: "other"));
        var agent = p.Identities.Single(i => i.User == "system:serviceaccount:m:agent");
        Assert.Equal(4, agent.Callers.Count);            // agent-1, n2, n3, 10.0.0.9
        Assert.True(agent.HasPodNames);
        Assert.Equal(3, agent.Nodes.Count);               // n1, n2 from user.extra and n3 from the selector
        Assert.Equal(2, agent.SourceIps.Count);
        Assert.Equal(1, agent.SelectorNodes.Count);
        var kubelets = p.Identities.Single(i => i.User == AuditProfiler.Kubelets);
        Assert.Equal(3, kubelets.Requests);
        Assert.Equal(3, kubelets.Callers.Count);          // n7, n8 from the user name, and "other" from user.extra
        Assert.False(kubelets.HasPodNames);
        Assert.True(p.NodeIps.Contains("10.1.0.7") && p.NodeIps.Contains("10.1.0.8"));
        Assert.False(p.NodeIps.Contains("10.0.0.1"));
        Assert.Equal(p.Identities.Select(i => i.User).Order(StringComparer.Ordinal), p.Identities.Select(i => i.User)); // sorted by user
    }

    [Fact]
    public void Responses_and_their_items_are_summed_and_groups_kept_once_in_order()
    {
        var g = new[] { "z", "a", "z", "system:authenticated" };
        var p = Profile(
            WithResponse(Event("a", 1, "bob", "list", "/api/v1/pods", "pods", groups: g), """{"items":[{},{},{}]}"""),
            WithResponse(Event("b", 2, "bob", "list", "/api/v1/pods", "pods", groups: g), """{"items":[{}]}"""),
            WithResponse(Event("c", 3, "bob", "list", "/api/v1/pods", "pods", groups: g), """{"kind":"Status"}"""),
            Event("d", 4, "bob", "list", "/api/v1/pods", "pods", groups: g));
        var bob = Assert.Single(p.Identities);
        Assert.Equal(["a", "system:authenticated", "z"], bob.Groups);
        var c = Assert.Single(bob.Calls).Value;
        Assert.Equal((4L, 3L, 2L, 4L), (c.Requests, c.Responses, c.ItemResponses, c.Items));
        Assert.Equal("""{"items":[{},{},{}]}""".Length + """{"items":[{}]}""".Length + """{"kind":"Status"}""".Length, c.ResponseBytes);
    }

    [Fact]
    public void At_most_eight_user_agents_are_kept_and_those_kept_go_on_counting()
    {
        var lines = Enumerable.Range(0, 12).Select(i => Event($"u{i}", i, "carol", "get", "/api/v1/namespaces/a/pods/p", "pods", ns: "a", name: "p", userAgent: $"ua{i}/1"))
            .Append(Event("again", 20, "carol", "get", "/api/v1/namespaces/a/pods/p", "pods", ns: "a", name: "p", userAgent: "ua0/1")).ToArray();
        var carol = Assert.Single(Profile(lines).Identities);
        Assert.Equal(IdentityStats.UserAgentsKept, carol.UserAgents.Count);
        Assert.Equal(2, carol.UserAgents["ua0/1"]);
        Assert.False(carol.UserAgents.ContainsKey("ua8/1"));
    }

    [Fact]
    public void Malformed_lines_are_counted_the_first_five_kept_and_a_log_of_nothing_else_is_bad_input_at_the_first()
    {
        var good = Event("a", 1, "dave", "get", "/api/v1/nodes/n", "nodes", name: "n");
        var p = Profile("{", "[1]", good, "{\"kind\":\"Pod\"}", "x", "y", "z");
        Assert.Equal(6, p.MalformedCount);
        Assert.Equal(AuditProfiler.MalformedKept, p.FirstMalformed.Count);
        Assert.Equal(new MalformedLine(2, 1, "not a JSON object"), p.FirstMalformed[1]);
        Assert.Equal((4L, 0, "not an audit Event (kind 'Pod')"), (p.FirstMalformed[2].Line, p.FirstMalformed[2].Column, p.FirstMalformed[2].Problem));

        var e = Assert.Throws<InputException>(() => Profile("", "[1]", "{\"kind\":\"Pod\"}"));
        Assert.Equal(("t.log", 2, 1), (e.File, e.Line, e.Column));
        Assert.Equal("no audit Events in 3 lines (2 malformed); the first: not a JSON object", e.Message);
        e = Assert.Throws<InputException>(() => AuditProfiler.Profile(new MemoryStream(), "t.log"));
        Assert.Equal(("no audit Events: the log is empty", 1), (e.Message, e.Line));
        e = Assert.Throws<InputException>(() => AuditProfiler.Profile(new MemoryStream(Encoding.UTF8.GetBytes("\n \n")), "t.log"));
        Assert.Equal("no audit Events: the log is empty", e.Message);
    }

    [Fact]
    public void A_log_of_one_moment_spans_a_second_and_one_without_times_too()
    {
        Assert.Equal(1, Profile(Event("a", 7, "erin", "get", "/x", null), Event("b", 7.2, "erin", "get", "/x", null)).WindowSeconds);
        var noTime = Profile("""{"kind":"Event","auditID":"a","stage":"ResponseComplete","verb":"get","requestURI":"/x","user":{"username":"u"}}""");
        Assert.Null(noTime.First);
        Assert.Equal(1, noTime.WindowSeconds);
    }

    [Fact]
    public void Open_requests_past_the_bound_drop_the_oldest_still_open()
    {
        var limits = new AuditProfileLimits(OpenRequests: 2);
        var lines = new[]
        {
            Event("o1", 1, "f", "get", "/x", null, stage: "RequestReceived"),
            Event("o2", 2, "f", "get", "/x", null, stage: "RequestReceived"),
            Event("o1", 3, "f", "get", "/x", null),                         // o1 finishes: o2 is now the oldest open
            Event("o3", 4, "f", "get", "/x", null, stage: "RequestReceived"),
            Event("o4", 5, "f", "get", "/x", null, stage: "RequestReceived"), // two open: o2 is dropped
        };
        var p = AuditProfiler.Profile(Stream(lines), "t.log", limits);
        Assert.Equal((1L, 3L), (p.DroppedOpenRequests, p.Requests));
        Assert.Equal(new DateTimeOffset(Start.AddSeconds(3)), p.First);   // o2 (at 2 s) was dropped, o1 counted at its final stage
    }
}
