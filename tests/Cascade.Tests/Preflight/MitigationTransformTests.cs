using Cascade.Fleet;
using Cascade.Preflight;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Preflight;

/// <summary>
/// Each built-in mitigation of Mitigations.cs as a transformation of a hand-made scenario, field by field:
/// the values it sets, the workload and clusters it touches, what it leaves alone, and what it says.
/// </summary>
public class MitigationTransformTests
{
    private static Duration S(double seconds) => Duration.FromSeconds(seconds);

    /// <summary>
    /// A fleet of three cluster entries (one counted twice) and two workloads: a helper, and the change,
    /// a per-node agent the rollout names, polling pods three ways and getting one object.
    /// </summary>
    private static Scenario Fleet() => new()
    {
        Clusters =
        [
            new ClusterSpec { Name = "small", Nodes = 100 },
            new ClusterSpec { Name = "mid", Nodes = 2000, Count = 2 },
            new ClusterSpec { Name = "large", Nodes = 5000 },
        ],
        Workloads =
        [
            new WorkloadSpec
            {
                Name = "helper", Client = new ClientSpec { Qps = 50, Burst = 100 },
                Calls = [new CallSpec { Verb = Verb.List, Resource = "nodes" }],
            },
            new WorkloadSpec
            {
                Name = "Telemetry_Agent", Placement = Placement.PerNode,
                Identity = new IdentitySpec { ServiceAccount = "monitoring/agent" },
                Client = new ClientSpec { Qps = 20, Burst = 40 },
                Calls =
                [
                    new CallSpec { Verb = Verb.List, Resource = "pods", Scope = Scope.Cluster, Selector = "app=x", Selectivity = 0.25, Every = S(30) },
                    new CallSpec { Verb = Verb.Get, Resource = "configmaps", Scope = Scope.Object },
                    new CallSpec { Verb = Verb.List, Resource = "services", Scope = Scope.Namespace, Namespace = "kube-system", ResourceVersion = "0", Limit = 100 },
                    new CallSpec { Verb = Verb.List, Resource = "secrets", Scope = Scope.Object },
                ],
            },
        ],
        Rollout = new RolloutSpec { Change = "Telemetry_Agent", Waves = [new WaveSpec { Clusters = ["small"], Bake = S(600) }] },
    };

    private static (string? Why, List<string> Changes) Apply(string mitigation, Scenario s)
    {
        var ctx = new MitigationContext(Path.GetTempPath());
        var why = Mitigations.Find(mitigation).ApplyTo(s, ctx);
        return (why, ctx.Changes);
    }

    private static WorkloadSpec Change(Scenario s) => s.Workloads[1];

    // ------------------------------------------------------------------ the client

    [Fact]
    public void Client_qps_sets_the_changes_client_to_1_qps_burst_1_and_leaves_the_other_workloads_client_alone()
    {
        var s = Fleet();
        var (why, changes) = Apply("client-qps", s);
        Assert.Null(why);
        Assert.Equal((1.0, 1), (Change(s).Client.Qps, Change(s).Client.Burst));
        Assert.Equal((50.0, 100), (s.Workloads[0].Client.Qps, s.Workloads[0].Client.Burst));
        Assert.Equal(["workloads[1].client: qps 20 → 1, burst 40 → 1"], changes);
    }

    [Fact]
    public void Client_qps_keeps_a_rate_already_under_1_qps_and_only_lowers_the_burst()
    {
        var s = Fleet();
        Change(s).Client = new ClientSpec { Qps = 0.5, Burst = 3 };
        var (why, changes) = Apply("client-qps", s);
        Assert.Null(why);
        Assert.Equal((0.5, 1), (Change(s).Client.Qps, Change(s).Client.Burst));
        Assert.Equal(["workloads[1].client: qps 0.5 → 0.5, burst 3 → 1"], changes);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    public void Client_qps_applies_when_either_the_rate_or_the_burst_is_over_1(double qps, int burst)
    {
        var s = Fleet();
        Change(s).Client = new ClientSpec { Qps = qps, Burst = burst };
        Assert.Null(Apply("client-qps", s).Why);
        Assert.Equal((1.0, 1), (Change(s).Client.Qps, Change(s).Client.Burst));
    }

    [Fact]
    public void Client_qps_does_not_apply_to_a_client_already_at_1_qps_burst_1()
    {
        var s = Fleet();
        Change(s).Client = new ClientSpec { Qps = 1, Burst = 1 };
        var (why, changes) = Apply("client-qps", s);
        Assert.Equal("Telemetry_Agent's client is already at 1 QPS, burst 1", why);
        Assert.Empty(changes);
    }

    [Fact]
    public void Informer_turns_each_polling_list_into_an_informer_with_the_same_resource_scope_namespace_selector_and_selectivity()
    {
        var s = Fleet();
        var (why, changes) = Apply("informer", s);
        Assert.Null(why);
        // The GET and the LIST of one object stay calls; the cluster- and namespace-wide LISTs become informers.
        Assert.Equal([(Verb.Get, "configmaps"), (Verb.List, "secrets")], Change(s).Calls.Select(c => (c.Verb, c.Resource)));
        Assert.Equal([("pods", Scope.Cluster, "default", "app=x", (double?)0.25), ("services", Scope.Namespace, "kube-system", "", null)],
            Change(s).Informers.Select(i => (i.Resource, i.Scope, i.Namespace, i.Selector, i.Selectivity)));
        Assert.Equal(["workloads[1]: LIST pods every 30s → informer on pods (app=x)", "workloads[1]: LIST services every 1m → informer on services"], changes);
        Assert.Single(s.Workloads[0].Calls);
        Assert.Empty(s.Workloads[0].Informers);
    }

    [Fact]
    public void Informer_does_not_apply_to_a_change_that_lists_nothing_wider_than_one_object()
    {
        var s = Fleet();
        Change(s).Calls.RemoveAll(c => c.Scope != Scope.Object);
        var (why, changes) = Apply("informer", s);
        Assert.Equal("Telemetry_Agent makes no polling LIST", why);
        Assert.Empty(changes);
        Assert.Equal(2, Change(s).Calls.Count);
    }

    [Fact]
    public void Watch_cache_sets_resource_version_0_on_every_list_not_already_at_0_and_on_nothing_else()
    {
        var s = Fleet();
        Change(s).Calls[3].ResourceVersion = "12345";
        var (why, changes) = Apply("watch-cache", s);
        Assert.Null(why);
        Assert.Equal(["0", "", "0", "0"], Change(s).Calls.Select(c => c.ResourceVersion));
        Assert.Equal(["workloads[1].calls[0].resourceVersion: \"\" → \"0\"", "workloads[1].calls[3].resourceVersion: \"12345\" → \"0\""], changes);
        Assert.Equal("", s.Workloads[0].Calls[0].ResourceVersion);
    }

    [Fact]
    public void Watch_cache_does_not_apply_when_every_list_already_reads_the_cache()
    {
        var s = Fleet();
        foreach (var c in Change(s).Calls.Where(c => c.Verb == Verb.List)) c.ResourceVersion = "0";
        var (why, changes) = Apply("watch-cache", s);
        Assert.Equal("Telemetry_Agent's LISTs already use the watch cache, or it makes none", why);
        Assert.Empty(changes);
    }

    [Fact]
    public void Pagination_sets_limit_500_on_every_unpaginated_list_and_keeps_a_limit_already_set()
    {
        var s = Fleet();
        var (why, changes) = Apply("pagination", s);
        Assert.Null(why);
        Assert.Equal([500L, 0, 100, 500], Change(s).Calls.Select(c => c.Limit));
        Assert.Equal(["workloads[1].calls[0].limit: 0 → 500", "workloads[1].calls[3].limit: 0 → 500"], changes);
        Assert.Equal(0, s.Workloads[0].Calls[0].Limit);
    }

    [Fact]
    public void Pagination_does_not_apply_when_every_list_is_already_paginated()
    {
        var s = Fleet();
        foreach (var c in Change(s).Calls.Where(c => c.Verb == Verb.List)) c.Limit = 1;
        var (why, changes) = Apply("pagination", s);
        Assert.Equal("Telemetry_Agent's LISTs are already paginated, or it makes none", why);
        Assert.Empty(changes);
        Assert.Equal([1L, 0, 1, 1], Change(s).Calls.Select(c => c.Limit));
    }

    [Theory]
    [InlineData("priority-level")]
    [InlineData("client-qps")]
    [InlineData("informer")]
    [InlineData("watch-cache")]
    [InlineData("pagination")]
    [InlineData("break-glass")]
    public void A_mitigation_of_the_change_does_not_apply_to_a_scenario_without_workloads(string mitigation)
    {
        var s = Fleet();
        s.Workloads.Clear();
        var (why, changes) = Apply(mitigation, s);
        Assert.Equal("the scenario has no workload", why);
        Assert.Empty(changes);
        Assert.Empty(s.Remediation);
        Assert.Empty(s.Alerts);
    }

    // ------------------------------------------------------------------ APF

    [Fact]
    public void Priority_level_gives_every_cluster_a_5_share_level_lending_and_borrowing_nothing_for_the_changes_service_account()
    {
        var s = Fleet();
        var (why, changes) = Apply("priority-level", s);
        Assert.Null(why);
        var added = s.Clusters.Select(c => c.ApiServer.Apf.MitigationObjects).Distinct().ToList();
        var text = Assert.Single(added);
        Assert.NotNull(text);
        Assert.All(s.Clusters, c => Assert.Null(c.ApiServer.Apf.File)); // no file is written for them
        Assert.Null(s.Cluster.ApiServer.Apf.MitigationObjects);
        Assert.Contains("kind: PriorityLevelConfiguration\nmetadata: {name: preflight-telemetry-agent}", text);
        Assert.Contains("nominalConcurrencyShares: 5\n", text);
        Assert.Contains("lendablePercent: 0\n", text);
        Assert.Contains("borrowingLimitPercent: 0\n", text);
        Assert.Contains("queuing: {queues: 16, handSize: 4, queueLengthLimit: 50}", text);
        Assert.Contains("priorityLevelConfiguration: {name: preflight-telemetry-agent}\n  matchingPrecedence: 1000\n", text);
        Assert.Contains("        - kind: ServiceAccount\n          serviceAccount: {namespace: \"monitoring\", name: \"agent\"}", text);
        Assert.Equal(["FlowSchema preflight-telemetry-agent (precedence 1000) → PriorityLevelConfiguration preflight-telemetry-agent: " +
                      "nominalConcurrencyShares 5, lendablePercent 0, borrowingLimitPercent 0, 16 queues; subject serviceaccount monitoring/agent"], changes);
    }

    [Fact]
    public void Priority_level_puts_the_same_objects_on_a_single_cluster_scenarios_cluster()
    {
        var a = Fleet();
        Apply("priority-level", a);
        var b = Fleet();
        b.Clusters.Clear();
        Apply("priority-level", b);
        Assert.NotNull(b.Cluster.ApiServer.Apf.MitigationObjects);
        Assert.Equal(a.Clusters[0].ApiServer.Apf.MitigationObjects, b.Cluster.ApiServer.Apf.MitigationObjects);
    }

    [Theory]
    [InlineData(null, "ops", "user: {name: \"ops\"}", "user ops")]
    [InlineData(null, null, "user: {name: \"user:Telemetry_Agent\"}", "user user:Telemetry_Agent")]
    [InlineData("agent", null, "serviceAccount: {namespace: \"default\", name: \"agent\"}", "serviceaccount agent")]
    public void Priority_level_matches_the_changes_identity_as_apf_classifies_it(string? serviceAccount, string? user, string subject, string described)
    {
        var s = Fleet();
        Change(s).Identity = new IdentitySpec { ServiceAccount = serviceAccount, User = user };
        var (_, changes) = Apply("priority-level", s);
        Assert.Contains(subject, s.Clusters[0].ApiServer.Apf.MitigationObjects);
        Assert.EndsWith($"; subject {described}", Assert.Single(changes));
    }

    [Fact]
    public void Priority_level_objects_come_after_a_clusters_own_apf_file_which_stays_as_it_was()
    {
        var own = PreflightFixtures.TempFile("own-apf.yaml");
        const string ownText = """
            apiVersion: flowcontrol.apiserver.k8s.io/v1
            kind: FlowSchema
            metadata: {name: mine}
            spec:
              priorityLevelConfiguration: {name: workload-low}
              matchingPrecedence: 500
              rules:
                - subjects: [{kind: Group, group: {name: "ops"}}]
                  resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"]}]
            """;
        File.WriteAllText(own, ownText + "\n\n");
        var s = Fleet();
        s.Clusters[1].ApiServer.Apf.File = Path.GetFileName(own);
        var ctx = new MitigationContext(Path.GetDirectoryName(own)!);
        Assert.Null(Mitigations.Find("priority-level").ApplyTo(s, ctx));
        Assert.Equal(Path.GetFileName(own), s.Clusters[1].ApiServer.Apf.File);
        Assert.Equal(ownText + "\n\n", File.ReadAllText(own));

        // Built, the cluster has its own FlowSchema and the mitigation's level and FlowSchema; the others only the latter.
        var withFile = ScenarioBuilder.ApiServerConfigFrom(s.Clusters[1], ctx.BaseDirectory).Apf;
        var plain = ScenarioBuilder.ApiServerConfigFrom(s.Clusters[0], ctx.BaseDirectory).Apf;
        Assert.Contains(withFile.FlowSchemas, f => f.Name == "mine");
        Assert.DoesNotContain(plain.FlowSchemas, f => f.Name == "mine");
        foreach (var apf in new[] { withFile, plain })
        {
            Assert.Contains(apf.FlowSchemas, f => f.Name == "preflight-telemetry-agent");
            Assert.Contains(apf.PriorityLevels, l => l.Name == "preflight-telemetry-agent");
        }
    }

    [Fact]
    public void Priority_level_reports_a_clusters_missing_apf_file_at_its_path()
    {
        var s = Fleet();
        s.Clusters[2].ApiServer.Apf.File = "no-such-apf.yaml";
        var e = Assert.Throws<InputException>(() => Mitigations.Find("priority-level").ApplyTo(s, new MitigationContext(Path.GetTempPath())));
        Assert.Contains("clusters[2].apiServer.apf.file", e.Describe());
        Assert.Contains("no-such-apf.yaml", e.Message);
    }

    // ------------------------------------------------------------------ the rollout and the playbook

    [Fact]
    public void Canary_largest_inserts_a_first_wave_on_the_largest_cluster_alone_baking_as_long_as_the_old_first_wave()
    {
        var s = Fleet();
        var (why, changes) = Apply("canary-largest", s);
        Assert.Null(why);
        Assert.Equal([("large", 600.0), ("small", 600.0)],
            s.Rollout!.Waves.Select(w => (string.Join(",", w.Clusters), w.Bake.Seconds)));
        Assert.Equal(["rollout.waves: a first wave on large (5,000 nodes, the largest) baking 10m"], changes);
        Assert.Empty(s.Rollout.Gates);
    }

    [Fact]
    public void Canary_largest_picks_the_first_of_equally_large_clusters_counting_expanded_copies()
    {
        var s = Fleet();
        s.Clusters.RemoveAt(2);
        s.Rollout!.Waves.Clear();
        var (why, changes) = Apply("canary-largest", s);
        Assert.Null(why);
        var wave = Assert.Single(s.Rollout.Waves);
        Assert.Equal(("mid-1", 300.0), (string.Join(",", wave.Clusters), wave.Bake.Seconds));
        Assert.Equal(["rollout.waves: a first wave on mid-1 (2,000 nodes, the largest) baking 5m"], changes);
    }

    [Fact]
    public void Canary_largest_does_not_apply_when_the_first_wave_is_already_the_largest_alone_but_does_when_it_shares_it()
    {
        var s = Fleet();
        s.Rollout!.Waves[0].Clusters = ["large"];
        Assert.Equal("the first wave is already large alone", Apply("canary-largest", s).Why);
        Assert.Single(s.Rollout.Waves);

        s.Rollout.Waves[0].Clusters = ["large", "small"];
        Assert.Null(Apply("canary-largest", s).Why);
        Assert.Equal(["large"], s.Rollout.Waves[0].Clusters);
    }

    [Fact]
    public void Canary_largest_needs_a_rollout_and_two_clusters()
    {
        var none = Fleet();
        none.Rollout = null;
        Assert.Equal("the scenario has no rollout", Apply("canary-largest", none).Why);

        var one = Fleet();
        one.Clusters.Clear();
        var (why, changes) = Apply("canary-largest", one);
        Assert.Equal("a one-cluster fleet has no canary to choose", why);
        Assert.Empty(changes);
        Assert.Single(one.Rollout!.Waves);
    }

    [Fact]
    public void Health_gate_adds_two_gates_1_s_p99_and_1_percent_errors_for_2m_and_a_rollback_by_the_rollout_controller()
    {
        var s = Fleet();
        var (why, changes) = Apply("health-gate", s);
        Assert.Null(why);
        Assert.Equal([(Signal.ApiserverLatencyP99, 1.0, 120.0), (Signal.ApiserverErrorRate, 0.01, 120.0)],
            s.Rollout!.Gates.Select(g => (g.Signal, g.Threshold, g.For.Seconds)));
        var rollback = Assert.Single(s.Remediation);
        Assert.Equal((ActionKind.Rollback, "preflight rollout abort", "*", (double?)0, "delivery/rollout-controller", (string?)null, 60.0),
            (rollback.Action, rollback.Name, Assert.Single(rollback.Clusters), rollback.AfterHalt?.Seconds, rollback.Identity.ServiceAccount,
             rollback.Identity.User, rollback.RetryEvery.Seconds));
        Assert.Equal(["rollout.gates: + apiserverLatencyP99 > 1 for 2m, + apiserverErrorRate > 0.01 for 2m; " +
                      "remediation: + rollback by delivery/rollout-controller when a gate halts the rollout, retried every 1m"], changes);
        Assert.Single(s.Rollout.Waves);
        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Health_gate_does_not_apply_without_a_rollout()
    {
        var s = Fleet();
        s.Rollout = null;
        var (why, changes) = Apply("health-gate", s);
        Assert.Equal("the scenario has no rollout to gate", why);
        Assert.Empty(changes);
        Assert.Empty(s.Remediation);
    }

    [Fact]
    public void Break_glass_adds_the_saturation_alerts_to_a_scenario_without_alerts_and_removes_the_change_5_minutes_after_detection()
    {
        var s = Fleet();
        var (why, changes) = Apply("break-glass", s);
        Assert.Null(why);
        Assert.Equal([("preflight-apiserver-latency", Signal.ApiserverLatencyP99, 1.0, 120.0), ("preflight-apiserver-errors", Signal.ApiserverErrorRate, 0.01, 120.0)],
            s.Alerts.Select(a => (a.Name, a.Signal, a.Threshold, a.For.Seconds)));
        var action = Assert.Single(s.Remediation);
        Assert.Equal((ActionKind.BreakGlass, "preflight break-glass", "*", 300.0, "Telemetry_Agent"),
            (action.Action, action.Name, Assert.Single(action.Clusters), action.AfterDetection.Seconds, Assert.Single(action.Workloads)));
        Assert.Equal(["alerts: + apiserverLatencyP99 > 1 for 2m, + apiserverErrorRate > 0.01 for 2m (the scenario had none to detect with)",
                      "remediation: + breakGlass of Telemetry_Agent on every cluster, 5m after detection"], changes);
        Assert.Empty(s.Rollout!.Gates);
    }

    [Fact]
    public void Break_glass_keeps_a_scenarios_own_alerts_and_adds_none()
    {
        var s = Fleet();
        s.Alerts.Add(new AlertSpec { Name = "mine", Signal = Signal.ApiserverErrorRate, Threshold = 0.5 });
        var (why, changes) = Apply("break-glass", s);
        Assert.Null(why);
        Assert.Equal("mine", Assert.Single(s.Alerts).Name);
        Assert.Equal(["remediation: + breakGlass of Telemetry_Agent on every cluster, 5m after detection"], changes);
    }

    // ------------------------------------------------------------------ boundaries and what each says

    [Fact]
    public void Every_built_in_mitigation_has_a_summary()
    {
        Assert.Equal(11, Mitigations.All.Count);
        Assert.All(Mitigations.All, m => Assert.True(m.Summary.Length > 20, m.Name));
    }

    [Fact]
    public void An_unknown_mitigation_is_reported_as_an_unknown_mitigation()
    {
        var e = Assert.Throws<InputException>(() => Mitigations.Find("no-such-thing"));
        Assert.Contains("mitigation", e.Message);
        Assert.Contains("no-such-thing", e.Message);
    }

    [Fact]
    public void Priority_level_names_its_flow_schema_and_distinguishes_flows_by_user()
    {
        var s = Fleet();
        Apply("priority-level", s);
        var text = s.Clusters[0].ApiServer.Apf.MitigationObjects;
        Assert.Contains("kind: FlowSchema\nmetadata: {name: preflight-telemetry-agent}\n", text);
        Assert.Contains("distinguisherMethod: {type: ByUser}\n", text);
    }

    [Fact]
    public void Priority_level_added_twice_keeps_both_sets_of_objects_in_order()
    {
        var s = Fleet();
        Apply("priority-level", s);
        string once = s.Clusters[0].ApiServer.Apf.MitigationObjects!;
        Apply("priority-level", s);
        Assert.Equal(once.TrimEnd() + "\n---\n" + once, s.Clusters[0].ApiServer.Apf.MitigationObjects);
    }

    [Fact]
    public void Priority_level_does_not_apply_to_a_cluster_without_apf()
    {
        var s = Fleet();
        s.Clusters[1].KubernetesVersion = "1.19";
        var (why, changes) = Apply("priority-level", s);
        Assert.Equal("mid has no API Priority and Fairness (kubernetesVersion 1.19, or apiServer.apf.enabled false)", why);
        Assert.Empty(changes);
        Assert.All(s.Clusters, c => Assert.Null(c.ApiServer.Apf.MitigationObjects));
    }

    [Fact]
    public void Canary_largest_applies_to_a_fleet_of_exactly_two_clusters()
    {
        var s = Fleet();
        s.Clusters = [new ClusterSpec { Name = "a", Nodes = 100 }, new ClusterSpec { Name = "b", Nodes = 200 }];
        s.Rollout = new RolloutSpec { Change = "Telemetry_Agent", Waves = [new WaveSpec { Clusters = ["a"], Bake = S(600) }] };
        var (why, changes) = Apply("canary-largest", s);
        Assert.Null(why);
        Assert.Single(changes);
        Assert.Equal(["b"], s.Rollout.Waves[0].Clusters);
    }
}
