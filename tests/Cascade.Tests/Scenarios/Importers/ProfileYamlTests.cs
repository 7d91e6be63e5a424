using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>
/// `cascade profile`'s YAML, written from a document made by hand: every field of a workload, call and informer in
/// the schema's form, the evidence as comments, and the smaller helpers (periods as a person writes them, plurals,
/// which selector names which user).
/// </summary>
public class ProfileYamlTests
{
    private static ProfileNotes Notes(string user, long requests, int callers, bool atLeast, params string[] placement) =>
        new("w", user, requests, callers, 3, atLeast, placement, ["APF: x → y"], [], ["watch pods/log: 2 requests"]);

    [Fact]
    public void Every_field_is_written_in_the_schemas_form_with_the_evidence_as_comments()
    {
        var agent = new ProfiledWorkload("agent", new ProfiledIdentity("mon/agent", null, null), Placement.PerNode, null,
            [new ProfiledCall(Verb.List, "pods", Scope.Cluster, null, "", "spec.nodeName=$(NODE_NAME)", 500, "1m", "a note")],
            [new ProfiledInformer("configmaps", Scope.Namespace, "mon", "app=agent", "0", 500, "informer note")],
            Notes("system:serviceaccount:mon:agent", 1, 1, true, "one per node"));
        var web = new ProfiledWorkload("web", new ProfiledIdentity(null, "alice", ["devs", "ops"]), Placement.Replicas, 2, [], null,
            Notes("alice", 2_500, 2, false, "two callers"));
        var doc = new ProfileDocument("staging.log", 12_345, 61.25, "2024-12-11T00:00:00Z", null, [agent, web], [], ["kubelets: modelled"], ["w1"]);
        Assert.Equal("""
            # cascade profile staging.log: 12,345 requests, each counted once (at ResponseComplete, or the last stage the log shows),
            # from 2024-12-11T00:00:00Z to ? (61.3 s). A call's `every` is the time its identity's callers spent calling
            # (each from its first request to its last) over the call's requests.
            # Left out, the cluster model has them (name one with --change to profile it):
            #   kubelets: modelled
            # Warning: w1
            workloads:
              # system:serviceaccount:mon:agent: 1 request from at least 1 caller, at most 3 at once
              # perNode, because: one per node
              # APF: x → y
              # Not expressible as a call, left out: watch pods/log: 2 requests
              - name: agent
                identity:
                  serviceAccount: mon/agent
                placement: perNode
                calls:
                  # a note
                  - verb: list
                    resource: pods
                    scope: cluster
                    resourceVersion: ""
                    selector: "spec.nodeName=$(NODE_NAME)"
                    limit: 500
                    every: 1m
                informers:
                  # informer note
                  - resource: configmaps
                    scope: namespace
                    namespace: mon
                    selector: "app=agent"
                    resourceVersion: "0"
                    pageSize: 500
              # alice: 2,500 requests from 2 callers, at most 3 at once
              # two callers
              # APF: x → y
              # Not expressible as a call, left out: watch pods/log: 2 requests
              - name: web
                identity:
                  user: alice
                  groups: [devs, ops]
                placement: replicas
                replicas: 2
                calls: []

            """.Replace("\r\n", "\n"), ProfileYaml.Write(doc));
    }

    [Fact]
    public void A_profile_without_workloads_says_so_and_its_window_may_be_unknown()
    {
        var doc = new ProfileDocument("empty.log", 0, 0, null, null, [], [], [], []);
        Assert.Equal("""
            # cascade profile empty.log: 0 requests, each counted once (at ResponseComplete, or the last stage the log shows),
            # from ? to ? (0 s). A call's `every` is the time its identity's callers spent calling
            # (each from its first request to its last) over the call's requests.
            workloads: []

            """.Replace("\r\n", "\n"), ProfileYaml.Write(doc));
    }

    [Theory]
    [InlineData(59.6, "1m")]
    [InlineData(10.4, "10s")]
    [InlineData(9.96, "10s")]
    [InlineData(9.94, "9s900ms")]
    [InlineData(1.04, "1s")]
    [InlineData(0.9996, "1s")]
    [InlineData(0.12345, "123ms")]
    [InlineData(0.0001, "1ms")]
    public void A_period_is_rounded_as_a_person_writes_it(double seconds, string text) =>
        Assert.Equal(text, ProfiledWorkloads.Period(seconds).ToString());

    [Fact]
    public void Plurals_and_names()
    {
        Assert.Equal(("1 request", "2 requests", "0 requests", "1,234 callers"),
            (ProfiledWorkloads.Plural(1, "request"), ProfiledWorkloads.Plural(2, "request"), ProfiledWorkloads.Plural(0, "request"), ProfiledWorkloads.Plural(1234, "caller")));
        Assert.True(ProfiledWorkloads.Names("alice", "alice"));
        Assert.True(ProfiledWorkloads.Names("mon/agent", "system:serviceaccount:mon:agent"));
        Assert.True(ProfiledWorkloads.Names("system:serviceaccount:mon:agent", "system:serviceaccount:mon:agent"));
        Assert.False(ProfiledWorkloads.Names("mon/agent", "system:serviceaccount:mon:other"));
        Assert.False(ProfiledWorkloads.Names("mon/agent", "mon/agent-x"));
        Assert.False(ProfiledWorkloads.Names("mon/agent", "system:serviceaccount:mon:agent:x"));
        Assert.False(ProfiledWorkloads.Names("mon/agent", "user:mon:agent"));
    }
}
