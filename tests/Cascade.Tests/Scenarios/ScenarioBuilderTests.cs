using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Scenarios;

/// <summary>
/// What the builder makes of a scenario, read off the built fleet without running it: every playbook, fault, rollout
/// and alert field arrives in model units; the slots a scale-up needs are reserved; identities, selectors and object
/// counts come out as documented; and what the scenario names but does not have is bad input at its field. These run
/// in milliseconds, so mutation testing of the Scenarios folder can run them for each mutant (the slow
/// <see cref="SchemaReachesModelTests"/> shows only that a field reaches the model, not that it arrives unchanged).
/// </summary>
public class ScenarioBuilderTests
{
    private const string Fleet = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 1h
        clusters:
          - {name: canary, kubernetesVersion: "1.34", nodes: 4, podsPerNode: 3, apiServer: {replicas: 2}, controllers: {writeRate: 0}}
          - {name: prod, count: 2, kubernetesVersion: "1.34", nodes: 5, podsPerNode: 3, controllers: {writeRate: 0}}
        workloads:
          - name: agent
            placement: perNode
            identity: {serviceAccount: monitoring/agent}
            calls:
              - {verb: list, resource: pods, scope: cluster, selector: spec.nodeName=$(NODE_NAME), every: 60s}
          - name: web
            replicas: 3
            identity: {serviceAccount: web}
            service: {name: web}
            calls:
              - {verb: get, resource: configmaps, scope: namespace, every: 30s}
              - {verb: list, resource: endpointslices, scope: cluster, selector: kubernetes.io/service-name=web, every: 30s}
              - {verb: list, resource: pods, scope: cluster, selector: "metadata.name=web-0", every: 30s}
              - {verb: list, resource: pods, scope: cluster, selector: "spec.nodeName=n1,app=web", every: 30s}
              - {verb: list, resource: secrets, scope: object, every: 30s}
            informers:
              - {resource: endpointslices, selector: kubernetes.io/service-name=web}
              - {resource: pods, selector: metadata.name=web-0}
              - {resource: pods, selector: "metadata.name=web-0,app=web"}
              - {resource: configmaps, scope: namespace, selector: "metadata.name="}
              - {resource: pods, selector: spec.nodeName=n1, selectivity: 0.5}
        rollout:
          change: agent
          startAt: 7s
          waves:
            - {clusters: [canary], bake: 11m}
            - {clusters: ["prod-*"]}
          gates:
            - {signal: changeCpu, threshold: 0.5, for: 3m}
        alerts:
          - {name: burn, signal: apiserverErrorRate, threshold: 0.2, for: 4m, clusters: ["prod-*"]}
        remediation:
          - {name: first, action: shiftTraffic, clusters: ["prod-*"], at: 13m, duration: 2m, fraction: 0.25}
          - {name: second, action: scaleApiServers, afterHalt: 5m, replicas: 7, cpuCores: 48, memory: 64Gi, duration: 9m}
          - {name: third, action: rollback, afterDetection: 17m, retryEvery: 3m, timeout: 45s, identity: {user: alice, groups: [sre]}}
          - {name: fourth, action: scaleNodes, clusters: [canary], afterDetection: 1m, nodes: 9, keepFraction: 0.3}
          - {name: fifth, action: scaleWorkload, workloads: [web], replicas: 8, clusters: [canary]}
          - {name: sixth, action: breakGlass, perNode: 20s, parallelism: 6}
          - {name: seventh, action: unblockApiAccess, from: nodes, clustersAtOnce: 2, every: 90s, fraction: 0.1}
          - {name: eighth, action: runJob, pods: 12}
        faults:
          - {fault: restartApiServers, name: bounce, at: 3m, replicas: 1, clusters: [canary]}
          - {fault: restartPods, name: roll, afterHalt: 2m, workload: web, maxUnavailable: "2"}
          - {fault: partitionNodes, name: cut, afterDetection: 1m, duration: 4m, fraction: 0.4}
        """;

    /// <summary>The fleet with no rollout (its change runs from the start like any workload).</summary>
    private static readonly string WithoutRollout = Fleet[..Fleet.IndexOf("rollout:", StringComparison.Ordinal)] + Fleet[Fleet.IndexOf("alerts:", StringComparison.Ordinal)..];

    private static Scenario Load(string yaml, params string[] sets) =>
        YamlBinder.Load<Scenario>(yaml, "fleet.yaml", sets, ScenarioLoader.ApiVersion, ScenarioLoader.Kind);

    private static FleetModel Build(string yaml, params string[] sets) =>
        ScenarioBuilder.BuildFleet(new Simulation(1), Load(yaml, sets), new Timeline(), PreflightFixtures.RepoRoot());

    private static long S(double seconds) => SimTime.FromSeconds(seconds);

    [Fact]
    public void The_rollout_alerts_and_gates_arrive_in_model_units()
    {
        var fleet = Build(Fleet);
        Assert.Equal(["canary", "prod-1", "prod-2"], fleet.Clusters.Select(c => c.Name));
        var r = fleet.Rollout!;
        Assert.Equal("agent", r.Change);
        Assert.Equal(S(7), r.StartAt);
        Assert.Equal(2, r.Waves.Count);
        Assert.Equal(["canary"], r.Waves[0].Clusters);
        Assert.Equal(S(660), r.Waves[0].BakeTicks);
        Assert.Equal(["prod-*"], r.Waves[1].Clusters);
        Assert.Equal(S(300), r.Waves[1].BakeTicks); // the schema's default bake
        Assert.Equal([new Condition(Signal.ChangeCpu, 0.5, S(180))], r.Gates);
        var rule = Assert.Single(fleet.Alerts!.Rules);
        Assert.Equal(new AlertRule("burn", new Condition(Signal.ApiserverErrorRate, 0.2, S(240)), rule.Clusters), rule);
        Assert.Equal(["prod-*"], rule.Clusters);
    }

    [Fact]
    public void Every_playbook_field_arrives_in_model_units_with_its_trigger()
    {
        var actions = Build(Fleet).Remediation!.Actions;
        Assert.Equal(["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"], actions.Select(a => a.Name));

        var shift = actions[0];
        Assert.Equal(ActionKind.ShiftTraffic, shift.Kind);
        Assert.Equal(["prod-*"], shift.Clusters);
        Assert.Equal(new Trigger(S(780), null, null), shift.When);
        Assert.Equal(S(120), shift.DurationTicks);
        Assert.Equal(0.25, shift.Fraction);

        var scale = actions[1];
        Assert.Equal(new Trigger(null, S(300), null), scale.When);
        Assert.Equal((7, 48.0, 64L << 30, S(540)), (scale.Replicas, scale.CpuCores, scale.MemoryBytes, scale.DurationTicks));
        Assert.Equal(["*"], scale.Clusters);

        var rollback = actions[2];
        Assert.Equal(new Trigger(null, null, S(1020)), rollback.When);
        Assert.Equal((S(180), S(45)), (rollback.RetryEveryTicks, rollback.TimeoutTicks));
        Assert.Equal("alice", rollback.Identity.User);
        Assert.Contains("sre", rollback.Identity.Groups);

        var nodes = actions[3];
        Assert.Equal((9, 0.3, S(60)), (nodes.Nodes, nodes.KeepFraction, nodes.AfterDetectionTicks));
        Assert.Equal(["web"], actions[4].Workloads);
        Assert.Equal(8, actions[4].Replicas);
        Assert.Equal((S(20), 6), (actions[5].PerNodeTicks, actions[5].Parallelism));
        var unblock = actions[6];
        Assert.Equal((BlockSource.Nodes, 2, S(90), 0.1), (unblock.From, unblock.ClustersAtOnce, unblock.EveryTicks, unblock.Fraction));
        Assert.Equal(12, actions[7].Pods);

        // The defaults: the on-call engineer's identity, 15 min after detection, a 5 min retry, a minute's timeout.
        Assert.Equal("oncall-engineer", actions[0].Identity.User);
        Assert.Equal(new Trigger(null, null, S(900)), actions[4].When);
        Assert.Equal((S(300), S(60), 0.5, 50), (actions[4].RetryEveryTicks, actions[4].TimeoutTicks, actions[4].KeepFraction, actions[4].Parallelism));
        Assert.Equal((BlockSource.Workloads, S(60), S(30)), (actions[0].From, actions[0].EveryTicks, actions[0].PerNodeTicks));
        Assert.Null(actions[0].Nodes);
    }

    [Fact]
    public void Every_fault_field_arrives_with_its_trigger_and_budget()
    {
        var faults = Build(Fleet).Faults!.Planned;
        Assert.Equal(3, faults.Count);
        Assert.Equal(new PlannedFault(FaultKind.RestartApiServers, "bounce", faults[0].Clusters, new Trigger(S(180), null, null), 1, null, "",
            new PodBudget(0, 100), 0.1), faults[0]);
        Assert.Equal(["canary"], faults[0].Clusters);
        Assert.Equal(new Trigger(null, S(120), null), faults[1].When);
        Assert.Equal(("web", new PodBudget(2, 0)), (faults[1].Workload, faults[1].MaxUnavailable));
        Assert.Equal(new Trigger(null, null, S(60)), faults[2].When);
        Assert.Equal((S(240), 0.4), (faults[2].DurationTicks, faults[2].Fraction));
        Assert.Equal(["*"], faults[2].Clusters);
        Assert.Null(Build(Fleet, "faults=[]").Faults);
    }

    [Fact]
    public void A_scale_up_reserves_its_slots_only_where_it_applies()
    {
        var fleet = Build(Fleet);
        var canary = fleet.Clusters[0];
        var prod = fleet.Clusters[1];
        // scaleNodes to 9 names the canary only; scaleWorkload to 8 too; scaleApiServers to 7 everywhere.
        Assert.Equal((4, 9), (canary.Nodes, canary.NodeSlots));
        Assert.Equal((5, 5), (prod.Nodes, prod.NodeSlots));
        Assert.Equal(9, canary.Workloads.Single(w => w.Workload.Name == "agent").Workload.Pods);   // a pod per node slot
        Assert.Equal(5, prod.Workloads.Single(w => w.Workload.Name == "agent").Workload.Pods);
        Assert.Equal(8, canary.Workloads.Single(w => w.Workload.Name == "web").Workload.Pods);
        Assert.Equal(3, prod.Workloads.Single(w => w.Workload.Name == "web").Workload.Pods);
        Assert.Equal((2, 7), (canary.Api.Config.Replicas, canary.Api.Config.MaxReplicas));
        Assert.Equal(7, prod.Api.Config.MaxReplicas);
        // A target below the cluster's size reserves nothing more.
        var smaller = Build(Fleet, "remediation[3].nodes=2", "remediation[4].replicas=1", "remediation[1].replicas=1");
        Assert.Equal(4, smaller.Clusters[0].NodeSlots);
        Assert.Equal(3, smaller.Clusters[0].Workloads.Single(w => w.Workload.Name == "web").Workload.Pods);
        Assert.Equal(2, smaller.Clusters[0].Api.Config.MaxReplicas);
        // The rolled-out change waits for its wave; the other workload runs from the start, before the run.
        var agent = canary.Workloads.Single(w => w.Workload.Name == "agent");
        var web = canary.Workloads.Single(w => w.Workload.Name == "web");
        Assert.Equal((null, false, true), (agent.StartAt, agent.RunningBefore, agent.PerNode));
        Assert.Equal((0L, true, false), (web.StartAt, web.RunningBefore, web.PerNode));
        Assert.Single(canary.Services);
    }

    [Fact]
    public void A_workload_scaled_by_default_is_the_rollouts_change_and_must_be_a_deployment()
    {
        // Without workloads: the rollout's change, here the per-node agent: scale its nodes instead.
        var e = Assert.Throws<InputException>(() => Build(Fleet, "remediation[4].workloads=[]"));
        Assert.Equal("remediation[4].workloads", e.Field);
        Assert.Contains("scaleNodes", e.Message);
        // Without workloads and without a rollout there is nothing to scale.
        e = Assert.Throws<InputException>(() => Build(WithoutRollout, "remediation[4].workloads=[]"));
        Assert.Equal("remediation[4].workloads", e.Field);
        e = Assert.Throws<InputException>(() => Build(Fleet, "remediation[4].workloads=[web,nope]"));
        Assert.Equal("remediation[4].workloads[1]", e.Field);
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("web", e.Message);
        // With the change a Deployment, the default scales it.
        var fleet = Build(Fleet, "rollout.change=web", "remediation[4].workloads=[]");
        Assert.Equal(8, fleet.Clusters[0].Workloads.Single(w => w.Workload.Name == "web").Workload.Pods);
        Assert.Equal(3, fleet.Clusters[1].Workloads.Single(w => w.Workload.Name == "web").Workload.Pods);
    }

    [Fact]
    public void What_the_fleet_names_but_does_not_have_is_bad_input_at_its_field()
    {
        var e = Assert.Throws<InputException>(() => Build(Fleet, "rollout.change=ghost"));
        Assert.Equal("rollout.change", e.Field);
        Assert.Contains("'ghost'", e.Message);
        // Two clusters of one name: the loader's check catches it first; the builder checks again for a scenario made in code.
        var twice = Load(Fleet);
        twice.Clusters[0].Name = "prod-2";
        e = Assert.Throws<InputException>(() => ScenarioBuilder.BuildFleet(new Simulation(1), twice, new Timeline()));
        Assert.Equal("clusters", e.Field);
        Assert.Contains("'prod-2'", e.Message);
        Assert.Null(Build(WithoutRollout).Rollout);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Clusters_built_side_by_side_fail_as_building_them_in_order_would(int threads)
    {
        FleetModel BuildWith(Scenario s) => ScenarioBuilder.BuildFleet(new Simulation(1), s, new Timeline(), PreflightFixtures.RepoRoot(), threads);
        // canary renamed prod-2: the clusters are prod-2, prod-1, prod-2, the third a repeated name.
        var s = Load(Fleet);
        s.Clusters[0].Name = "prod-2";
        s.Clusters[0].ApiServer.Apf.File = "first-missing.yaml";
        s.Clusters[1].ApiServer.Apf.File = "second-missing.yaml";
        // Both failing, the first cluster's failure is the one reported, however the threads finished.
        Assert.Contains("first-missing.yaml", Assert.Throws<InputException>(() => BuildWith(s)).Message);
        // A failure before the repeated name comes first ...
        s.Clusters[0].ApiServer.Apf.File = null;
        Assert.Contains("second-missing.yaml", Assert.Throws<InputException>(() => BuildWith(s)).Message);
        // ... and without one, the repeated name.
        s.Clusters[1].ApiServer.Apf.File = null;
        var e = Assert.Throws<InputException>(() => BuildWith(s));
        Assert.Equal(("clusters", "two clusters are named 'prod-2'"), (e.Field, e.Message));
        s.Clusters[0].Name = "canary";
        Assert.Equal(["canary", "prod-1", "prod-2"], BuildWith(s).Clusters.Select(c => c.Name));
    }

    [Fact]
    public void Clusters_built_side_by_side_are_the_clusters_built_in_order()
    {
        // Every cluster's state is set by the build: the same scenario built on one thread and on two runs the same.
        var s = Load(Fleet);
        var one = ScenarioRunner.Run(s, 3, PreflightFixtures.RepoRoot(), threads: 1);
        var two = ScenarioRunner.Run(Load(Fleet), 3, PreflightFixtures.RepoRoot(), threads: 2);
        Assert.Equal(Json.Serialize(one.Result), Json.Serialize(two.Result));
        Assert.True(one.Result.Events > 0);
    }

    [Fact]
    public void Identities_selectors_and_scopes_come_out_as_documented()
    {
        var sa = ScenarioBuilder.IdentityOf(new IdentitySpec { ServiceAccount = "monitoring/agent" }, "x");
        Assert.Equal("system:serviceaccount:monitoring:agent", sa.User);
        Assert.Contains("system:serviceaccounts:monitoring", sa.Groups);
        Assert.Equal("system:serviceaccount:default:web", ScenarioBuilder.IdentityOf(new IdentitySpec { ServiceAccount = "web" }, "x").User);
        Assert.Equal("x", ScenarioBuilder.IdentityOf(new IdentitySpec(), "x").User);
        var bob = ScenarioBuilder.IdentityOf(new IdentitySpec { User = "bob", Groups = ["ops"] }, "x");
        Assert.Equal("bob", bob.User);
        Assert.Equal(["ops", "system:authenticated"], bob.Groups);

        // A workload's objects live in its service account's namespace: what the rollback and the garbage collector delete.
        Assert.Equal("monitoring", ScenarioBuilder.NamespaceOf(new IdentitySpec { ServiceAccount = "monitoring/agent" }));
        Assert.Equal("default", ScenarioBuilder.NamespaceOf(new IdentitySpec { ServiceAccount = "web" }));
        Assert.Equal("default", ScenarioBuilder.NamespaceOf(new IdentitySpec { User = "bob" }));

        var cluster = Build(Fleet).Clusters[0];
        Assert.Equal(["monitoring", "default"], cluster.Workloads.Select(w => w.Workload.Namespace));
        var agent = cluster.Workloads.Single(w => w.Workload.Name == "agent").Workload.Calls.Single().Call;
        Assert.True(agent.Indexed);
        Assert.Equal(0.25, agent.Selectivity); // one node of four
        Assert.Equal("list", agent.Verb);
        Assert.True(agent.ClusterScope);
        Assert.Equal(1.0, agent.ScopeFraction);
        Assert.Equal(0, agent.WatchKey);

        var calls = cluster.Workloads.Single(w => w.Workload.Name == "web").Workload.Calls.Select(c => c.Call).ToList();
        var configmaps = calls[0];
        Assert.False(configmaps.ClusterScope);
        Assert.Equal(1.0 / cluster.Api.Resources.Find("namespaces")!.Count, configmaps.ScopeFraction);
        Assert.Equal((1.0, false), (configmaps.Selectivity, configmaps.HasSelector));
        Assert.Equal((false, 1.0, 0), (calls[1].Indexed, calls[1].Selectivity, calls[1].WatchKey)); // a periodic LIST watches nothing
        // Two selectors: neither indexed nor one object's watch, but still one node's share.
        Assert.Equal((false, 0.25), (calls[3].Indexed, calls[3].Selectivity));
        // A list of one object is a get, of no scope.
        Assert.Equal(("get", 0.0), (calls[4].Verb, calls[4].ScopeFraction));
        Assert.Equal("web get configmaps", configmaps.Name);

        // An informer's watch hears one object's writes when its selector names one object or one Service's slices.
        var informers = cluster.Workloads.Single(w => w.Workload.Name == "web").Workload.InformersOf(0).Select(i => i.Calls).ToList();
        Assert.Equal(cluster.Api.WatchKey("web"), informers[0].Watch.WatchKey);
        Assert.Equal(cluster.Api.WatchKey("web-0"), informers[1].Watch.WatchKey);
        Assert.NotEqual(informers[0].Watch.WatchKey, informers[1].Watch.WatchKey);
        Assert.True(informers[0].Watch.WatchKey > 0 && informers[1].Watch.WatchKey > 0);
        Assert.Equal(0, informers[2].Watch.WatchKey);   // two selectors
        Assert.Equal(0, informers[3].Watch.WatchKey);   // a prefix with no name
        Assert.Equal((true, 1.0, true), (informers[0].List.HasSelector, informers[0].List.Selectivity, informers[0].List.ClusterScope));
        Assert.Equal((false, 1.0 / cluster.Api.Resources.Find("namespaces")!.Count), (informers[3].List.ClusterScope, informers[3].List.ScopeFraction));
        Assert.Equal((true, 0.5), (informers[4].List.Indexed, informers[4].List.Selectivity));
        Assert.Equal("web informer endpointslices", informers[0].List.Name[..27]);
    }

    [Fact]
    public void A_given_selectivity_wins_and_a_bare_prefix_names_no_object()
    {
        var cluster = Build(Fleet, "workloads[1].calls[0].selectivity=0.125", "workloads[0].calls[0].selector=spec.nodeName=n1").Clusters[0];
        var calls = cluster.Workloads.Single(w => w.Workload.Name == "web").Workload.Calls.Select(c => c.Call).ToList();
        Assert.Equal(0.125, calls[0].Selectivity);
        Assert.True(cluster.Workloads.Single(w => w.Workload.Name == "agent").Workload.Calls.Single().Call.Indexed);
        var unindexed = Build(Fleet, "workloads[0].calls[0].resource=configmaps").Clusters[0];
        Assert.False(unindexed.Workloads.Single(w => w.Workload.Name == "agent").Workload.Calls.Single().Call.Indexed);
    }

    [Fact]
    public void Object_counts_are_derived_from_the_size_unless_the_file_gives_them()
    {
        var spec = Load(Fleet, "clusters[0].nodes=3000", "clusters[0].podsPerNode=30").ExpandedClusters()[0];
        var r = ScenarioBuilder.DeclareResources(spec);
        long Count(string name) => r.Find(name)!.Count;
        Assert.Equal(90_000, Count("pods"));
        Assert.Equal(3000, Count("nodes"));
        Assert.Equal(3010, Count("leases"));
        Assert.Equal(3000, Count("services"));
        Assert.Equal(3000, Count("endpointslices"));
        Assert.Equal(9000, Count("configmaps"));
        Assert.Equal(9000, Count("secrets"));
        Assert.Equal(90, Count("namespaces"));
        // A small cluster has the floors.
        var small = ScenarioBuilder.DeclareResources(Load(Fleet).ExpandedClusters()[0]);
        Assert.Equal((10, 10, 10, 10, 5), (small.Find("services")!.Count, small.Find("endpointslices")!.Count,
            small.Find("configmaps")!.Count, small.Find("secrets")!.Count, small.Find("namespaces")!.Count));
        // Counts and sizes the file gives win; a resource it adds is declared; one with no count has none.
        var given = ScenarioBuilder.DeclareResources(Load(Fleet,
            "clusters[0].objects={pods: {count: 77, bytesPerObject: 2Ki}, widgets: {count: 5}, gadgets: {bytesPerObject: 100}}").ExpandedClusters()[0]);
        Assert.Equal(77, given.Find("pods")!.Count);
        Assert.Equal(2048, given.Find("pods")!.BytesPerObject);
        Assert.Equal(5, given.Find("widgets")!.Count);
        Assert.Equal(0, given.Find("gadgets")!.Count);
        Assert.Equal(100, given.Find("gadgets")!.BytesPerObject);
        Assert.Equal(4, given.Find("nodes")!.Count);
    }

    [Fact]
    public void An_apf_file_is_read_relative_to_the_scenario_and_needs_apf()
    {
        var spec = Load(Fleet).ExpandedClusters()[0];
        spec.ApiServer.Apf.File = "no-such-apf.yaml";
        var e = Assert.Throws<InputException>(() => ScenarioBuilder.ApiServerConfigFrom(spec, Path.GetTempPath()));
        Assert.Equal("cluster.apiServer.apf.file", e.Field);
        Assert.Contains(Path.Combine(Path.GetTempPath(), "no-such-apf.yaml"), e.Message);

        var dir = Path.GetDirectoryName(PreflightFixtures.TempFile("apf.yaml"))!;
        File.WriteAllText(Path.Combine(dir, "apf.yaml"), Importers.ApfYamlTests.KubectlList);
        spec.ApiServer.Apf.File = "apf.yaml";
        var fromFile = ScenarioBuilder.ApiServerConfigFrom(spec, dir).Apf;
        Assert.NotSame(ApfConfiguration.Default, fromFile);
        spec.ApiServer.Apf.File = Path.Combine(dir, "apf.yaml"); // an absolute path ignores the base directory
        Assert.Equal(fromFile.PriorityLevels.Count, ScenarioBuilder.ApiServerConfigFrom(spec, "/nonexistent").Apf.PriorityLevels.Count);

        spec.ApiServer.Apf.Enabled = false;
        e = Assert.Throws<InputException>(() => ScenarioBuilder.ApiServerConfigFrom(spec, dir));
        Assert.Equal("cluster.apiServer.apf.file", e.Field);
        Assert.Contains("1.20+", e.Message);
        spec.ApiServer.Apf.File = null;
        Assert.NotSame(ApfConfiguration.Default, ScenarioBuilder.ApiServerConfigFrom(spec, dir).Apf); // max-inflight
        spec.ApiServer.Apf.Enabled = null;
        Assert.Same(ApfConfiguration.Default, ScenarioBuilder.ApiServerConfigFrom(spec, dir).Apf);
    }

    [Fact]
    public void Every_data_plane_field_arrives_in_model_units()
    {
        var scenario = Load(Fleet, "clusters[0].zones=3", "clusters[0].dns.recordTtl=17s", "clusters[0].dns.servfailTtl=3s",
            "clusters[0].dns.coreDns.replicas=4", "clusters[0].dns.coreDns.capacityQps=900", "clusters[0].dns.coreDns.syncWait=6s",
            "clusters[0].dns.coreDns.memoryLimit=300Mi", "clusters[0].dns.coreDns.memoryHeadroom=0.5",
            "clusters[0].dns.coreDns.livenessInitialDelay=8s", "clusters[0].dns.coreDns.livenessPeriod=9s", "clusters[0].dns.coreDns.livenessFailureThreshold=2",
            "clusters[0].dns.nodeLocalCache.enabled=true", "clusters[0].dns.nodeLocalCache.successTtl=40s", "clusters[0].dns.nodeLocalCache.serveStale=true",
            "clusters[0].dns.nodeLocalCache.serveStaleFor=50s", "clusters[0].dns.clientCache.ttl=11s", "clusters[0].dns.clientCache.negativeTtl=2s",
            "clusters[0].dns.clientRetries=3", "clusters[0].nodeLifecycle.monitorPeriod=4s", "clusters[0].nodeLifecycle.gracePeriod=33s",
            "clusters[0].nodeLifecycle.evictionRate=0.2", "clusters[0].nodeLifecycle.secondaryEvictionRate=0.03",
            "clusters[0].nodeLifecycle.unhealthyZoneThreshold=0.6", "clusters[0].nodeLifecycle.largeClusterSize=70",
            "clusters[0].nodeLifecycle.tolerationSeconds=200s", "clusters[0].scheduler.qps=20", "clusters[0].scheduler.burst=30",
            "clusters[0].scheduler.maxBindingsInFlight=40", "clusters[0].scheduler.podStartup=7s", "clusters[0].endpoints.workers=2",
            "clusters[0].endpoints.kubeProxy=false", "clusters[0].dns.enabled=false", "clusters[0].scheduler.enabled=false");
        var c = DataPlaneBuilder.ConfigFrom(scenario, scenario.ExpandedClusters()[0]);
        Assert.Equal((3, 3, true), (c.Zones, c.PodsPerNode, c.NodeLifecycle));
        Assert.Equal((S(4), S(33), 0.2, 0.03, 0.6, 70, S(200)),
            (c.MonitorPeriodTicks, c.GracePeriodTicks, c.EvictionRate, c.SecondaryEvictionRate, c.UnhealthyZoneThreshold, c.LargeClusterSize, c.TolerationTicks));
        Assert.Equal((false, 20.0, 30, 40, S(7)), (c.Scheduler, c.SchedulerQps, c.SchedulerBurst, c.MaxBindingsInFlight, c.PodStartupTicks));
        Assert.Equal((2, false, false), (c.EndpointSliceWorkers, c.KubeProxy, c.Dns));
        Assert.Equal((4, 900.0, 300L << 20, 0.5, S(6)), (c.CoreDnsReplicas, c.CoreDnsCapacityQps, c.CoreDnsMemoryLimitBytes, c.CoreDnsMemoryHeadroom, c.CoreDnsSyncWaitTicks));
        Assert.Equal((S(8), S(9), 2), (c.LivenessInitialDelayTicks, c.LivenessPeriodTicks, c.LivenessFailureThreshold));
        Assert.Equal((S(17), S(3)), (c.RecordTtlTicks, c.ServfailTtlTicks));
        Assert.Equal((true, S(40), true, S(50)), (c.NodeLocalCache, c.NodeCacheSuccessTtlTicks, c.ServeStale, c.ServeStaleForTicks));
        Assert.Equal((S(11), S(2), 3, false), (c.ClientCacheTtlTicks, c.ClientNegativeTtlTicks, c.ClientRetries, c.ApiDiscovery));

        // The defaults: the version's grace period, the guide's CoreDNS memory, no client cache unless discovery goes through the API server (35 s).
        var plain = Load(Fleet);
        var d = DataPlaneBuilder.ConfigFrom(plain, plain.ExpandedClusters()[0]);
        Assert.Equal(S(ScenarioBuilder.FeaturesOf(plain.ExpandedClusters()[0]).NodeMonitorGracePeriodSeconds), d.GracePeriodTicks);
        Assert.Equal(DataPlaneConfig.CoreDnsMemoryLimitFromGuide, d.CoreDnsMemoryLimitBytes);
        Assert.Equal((0L, true, true, true), (d.ClientCacheTtlTicks, d.Dns, d.Scheduler, d.KubeProxy));
        var api = Load(Fleet, "clusters[0].dns.discovery=api");
        var a = DataPlaneBuilder.ConfigFrom(api, api.ExpandedClusters()[0]);
        Assert.Equal((true, S(35)), (a.ApiDiscovery, a.ClientCacheTtlTicks));
        var given = Load(Fleet, "clusters[0].dns.discovery=api", "clusters[0].dns.clientCache.ttl=12s");
        Assert.Equal(S(12), DataPlaneBuilder.ConfigFrom(given, given.ExpandedClusters()[0]).ClientCacheTtlTicks);
        // Without kubelets there are no leases to judge nodes by.
        var noKubelets = Load(Fleet, "clusters[0].kubelets.enabled=false");
        Assert.False(DataPlaneBuilder.ConfigFrom(noKubelets, noKubelets.ExpandedClusters()[0]).NodeLifecycle);
        var off = Load(Fleet, "clusters[0].nodeLifecycle.enabled=false");
        Assert.False(DataPlaneBuilder.ConfigFrom(off, off.ExpandedClusters()[0]).NodeLifecycle);
    }

    [Theory]
    [InlineData("RecordTtl", 0, "cluster.dns.recordTtl")]
    [InlineData("ServfailTtl", 0, "cluster.dns.servfailTtl")]
    [InlineData("SuccessTtl", 0, "cluster.dns.nodeLocalCache.successTtl")]
    [InlineData("MonitorPeriod", 0, "cluster.nodeLifecycle.monitorPeriod")]
    [InlineData("GracePeriod", 0, "cluster.nodeLifecycle.gracePeriod")]
    [InlineData("LivenessPeriod", 0, "cluster.dns.coreDns.livenessPeriod")]
    [InlineData("Toleration", -1, "cluster.nodeLifecycle.tolerationSeconds")]
    [InlineData("PodStartup", -1, "cluster.scheduler.podStartup")]
    [InlineData("SyncWait", -1, "cluster.dns.coreDns.syncWait")]
    [InlineData("LivenessInitialDelay", -1, "cluster.dns.coreDns.livenessInitialDelay")]
    [InlineData("ServeStaleFor", -1, "cluster.dns.nodeLocalCache.serveStaleFor")]
    [InlineData("ClientTtl", -1, "cluster.dns.clientCache.ttl")]
    [InlineData("NegativeTtl", -1, "cluster.dns.clientCache.negativeTtl")]
    public void A_duration_out_of_range_in_a_scenario_made_in_code_is_bad_input_at_its_field(string which, double seconds, string field)
    {
        // The loader's checks catch these in a file; the builder checks again, at the boundary: zero where a duration
        // must be longer than zero, below zero where zero is allowed (and zero itself passes).
        foreach (double at in new[] { seconds, seconds + 1 })
        {
            var s = Load(Fleet);
            var spec = s.Clusters[0];
            var value = Duration.FromSeconds(at);
            switch (which)
            {
                case "RecordTtl": spec.Dns.RecordTtl = value; break;
                case "ServfailTtl": spec.Dns.ServfailTtl = value; break;
                case "SuccessTtl": spec.Dns.NodeLocalCache.SuccessTtl = value; break;
                case "MonitorPeriod": spec.NodeLifecycle.MonitorPeriod = value; break;
                case "GracePeriod": spec.NodeLifecycle.GracePeriod = value; break;
                case "LivenessPeriod": spec.Dns.CoreDns.LivenessPeriod = value; break;
                case "Toleration": spec.NodeLifecycle.TolerationSeconds = value; break;
                case "PodStartup": spec.Scheduler.PodStartup = value; break;
                case "SyncWait": spec.Dns.CoreDns.SyncWait = value; break;
                case "LivenessInitialDelay": spec.Dns.CoreDns.LivenessInitialDelay = value; break;
                case "ServeStaleFor": spec.Dns.NodeLocalCache.ServeStaleFor = value; break;
                case "ClientTtl": spec.Dns.ClientCache.Ttl = value; break;
                case "NegativeTtl": spec.Dns.ClientCache.NegativeTtl = value; break;
            }
            if (at == seconds)
                Assert.Equal(field, Assert.Throws<InputException>(() => DataPlaneBuilder.ConfigFrom(s, spec)).Field);
            else
                DataPlaneBuilder.ConfigFrom(s, spec);
        }
    }

    private const string Products = "products=[{name: auth, cluster: 'prod-*', replicas: 2, requestRate: 0}, {name: web, cluster: 'prod-*', replicas: 3, requestRate: 70, calls: [auth]}, {name: lone, cluster: canary, replicas: 4, requestRate: 5}, {name: all, replicas: 1, requestRate: 1}]";

    [Fact]
    public void Products_run_in_the_clusters_they_name_and_call_only_products_there()
    {
        var s = Load(Fleet, Products);
        var clusters = s.ExpandedClusters();
        var prod = DataPlaneBuilder.ConfigFrom(s, clusters[1]).Products;
        Assert.Equal(["auth", "web", "all"], prod.Select(p => p.Name));
        Assert.Equal((3, 70.0), (prod[1].Replicas, prod[1].RequestRatePerSecond));
        Assert.Equal([0], prod[1].Calls);
        Assert.Equal((2, 0.0), (prod[0].Replicas, prod[0].RequestRatePerSecond));
        Assert.Empty(prod[0].Calls);
        Assert.Equal(["lone", "all"], DataPlaneBuilder.ConfigFrom(s, clusters[0]).Products.Select(p => p.Name));

        // The loader catches each of these in a file; the builder checks again for a scenario made in code, and names the same field.
        InputException Error(Action<Scenario> change, int cluster = 1)
        {
            var bad = Load(Fleet, Products);
            change(bad);
            return Assert.Throws<InputException>(() => DataPlaneBuilder.ConfigFrom(bad, bad.ExpandedClusters()[cluster]));
        }
        var e = Error(x => x.Products[1].Cluster = null, cluster: 0); // web in the canary calls auth, which is not there
        Assert.Equal("products[1].calls[0]", e.Field);
        Assert.Contains("'auth'", e.Message);
        Assert.Contains("known there: web, lone, all", e.Message);
        e = Error(x => x.Products[0].Cluster = "nowhere");
        Assert.Equal("products[0].cluster", e.Field);
        Assert.Contains("clusters: canary, prod-1, prod-2", e.Message);
        e = Error(x => { x.Products[2].Name = "web"; x.Products[2].Cluster = "prod-1"; });
        Assert.Equal("products[2].name", e.Field);
        Assert.Contains("'prod-1'", e.Message);
        e = Error(x => x.Products[1].Calls.Add("web"));
        Assert.Equal("products[1].calls[1]", e.Field);
        Assert.Contains("calls itself", e.Message);
        e = Error(x => x.Products[3].Name = "");
        Assert.Equal("products[3].name", e.Field);
    }

    [Theory]
    [InlineData("faults[0].clusters=[nowhere]", "faults[0].clusters", "names no cluster of the scenario (canary, prod-1, prod-2)")]
    [InlineData("faults[0].at=1h", "faults[0].at", "1h is past the end of the run (1h)")]
    [InlineData("faults[0].fault=restartCoreDns|clusters[0].dns.enabled=false", "faults[0].fault", "cluster 'canary' has no CoreDNS (cluster.dns.enabled is false)")]
    [InlineData("faults[0]={fault: restartScheduler, at: 3m, clusters: [canary]}|clusters[0].controllers.enabled=false", "faults[0].fault", "cluster 'canary' has no kube-controller-manager and kube-scheduler")]
    [InlineData("faults[0]={fault: restartControllerManager, at: 3m, clusters: [prod-2]}|clusters[1].controllers.enabled=false", "faults[0].fault", "cluster 'prod-2' has no kube-controller-manager")]
    [InlineData("faults[1].workload=ghost", "faults[1].workload", "cluster 'canary' has no workload named 'ghost'")]
    [InlineData("faults[1].clusters=[prod-1]|workloads[1].clusters=[canary]", "faults[1].workload", "cluster 'prod-1' has no workload named 'web'")]
    [InlineData("remediation[0].from=nodes", "remediation[0].from", "`from` is for blockApiAccess and unblockApiAccess, not shiftTraffic")]
    [InlineData("remediation[2].fraction=0.5", "remediation[2].fraction", "`fraction` is for shiftTraffic and unblockApiAccess, not rollback")]
    [InlineData("remediation[0].retryEvery=1m", "remediation[0].retryEvery", "`retryEvery` is for rollback, not shiftTraffic")]
    [InlineData("remediation[3].timeout=1m", "remediation[3].timeout", "`timeout` is for rollback, not scaleNodes")]
    [InlineData("remediation[0].identity.user=bob", "remediation[0].identity", "`identity` is for rollback, not shiftTraffic")]
    [InlineData("remediation[0].keepFraction=0.5", "remediation[0].keepFraction", "`keepFraction` is for scaleNodes, not shiftTraffic")]
    [InlineData("remediation[4].nodes=3", "remediation[4].nodes", "`nodes` is for scaleNodes, not scaleWorkload")]
    [InlineData("remediation[7].workloads=[web]", "remediation[7].workloads", "`workloads` is for rollback, blockApiAccess, unblockApiAccess, scaleWorkload and breakGlass, not runJob")]
    [InlineData("remediation[5].replicas=3", "remediation[5].replicas", "`replicas` is for scaleApiServers and scaleWorkload, not breakGlass")]
    [InlineData("remediation[1].pods=3", "remediation[1].pods", "`pods` is for runJob, not scaleApiServers")]
    [InlineData("remediation[4].cpuCores=2", "remediation[4].cpuCores", "`cpuCores` is for scaleApiServers, not scaleWorkload")]
    [InlineData("remediation[3].memory=1Gi", "remediation[3].memory", "`memory` is for scaleApiServers, not scaleNodes")]
    [InlineData("remediation[6].perNode=1m", "remediation[6].perNode", "`perNode` is for breakGlass, not unblockApiAccess")]
    [InlineData("remediation[7].parallelism=3", "remediation[7].parallelism", "`parallelism` is for breakGlass, not runJob")]
    [InlineData("remediation[7].every=1m", "remediation[7].every", "`every` is for unblockApiAccess, not runJob")]
    [InlineData("remediation[6].action=blockApiAccess", "remediation[6].fraction", "`fraction` is for shiftTraffic and unblockApiAccess, not blockApiAccess")]
    [InlineData("faults[0].fraction=0.5", "faults[0].fraction", "`fraction` is for partitionNodes and loseNodes, not restartApiServers")]
    [InlineData("faults[2].replicas=1", "faults[2].replicas", "`replicas` is for restartApiServers, killApiServers, killEtcd and restartCoreDns, not partitionNodes")]
    [InlineData("faults[2].fault=loseNodes", "faults[2].duration", "`duration` is for restartApiServers, killApiServers, killEtcd, restartControllerManager, restartScheduler, restartPods and partitionNodes, not loseNodes")]
    [InlineData("faults[0].fault=restartCoreDns|faults[0].duration=1m", "faults[0].duration", "`duration` is for restartApiServers")]
    [InlineData("faults[0].maxUnavailable=2", "faults[0].maxUnavailable", "`maxUnavailable` is for restartPods, not restartApiServers")]
    [InlineData("workloads[1].calls[0]={verb: get, resource: configmaps, scope: namespace, at: 90s, jitter: 0.2}", "workloads[1].calls[0].jitter", "`jitter` is for a call made in a loop (`every`), not a one-shot call (`at`)")]
    [InlineData("workloads[1].calls[0]={verb: get, resource: configmaps, scope: namespace, at: 90s, phase: aligned}", "workloads[1].calls[0].phase", "`phase` is for a call made in a loop (`every`), not a one-shot call (`at`)")]
    [InlineData("remediation[6].fraction=0", "remediation[6].fraction", "unblockApiAccess lets back a share")]
    [InlineData("remediation[6].every=0s", "remediation[6].every", "unblockApiAccess: `every` must be above 0")]
    [InlineData("remediation[1].replicas=65", "remediation[1].replicas", "scaleApiServers: at most 64 replicas, got 65")]
    [InlineData("remediation[7].pods=0", "remediation[7].pods", "runJob needs `pods:`")]
    [InlineData("remediation[4].replicas=", "remediation[4].replicas", "")]
    [InlineData("remediation[4]={name: fifth, action: scaleWorkload, workloads: [web], clusters: [canary]}", "remediation[4].replicas", "scaleWorkload needs `replicas:` (the Deployment's replicas after scaling)")]
    [InlineData("faults[0].afterDetection=1m", "faults[0].at", "a fault needs exactly one of at, afterDetection, afterHalt")]
    [InlineData("faults[0].at=|faults[0].afterHalt=1m|faults[0].afterDetection=1m", "faults[0].at", "a fault needs exactly one of")]
    [InlineData("faults[0].at=", "faults[0].at", "a fault needs exactly one of")]
    [InlineData("faults[1].workload=''", "faults[1].workload", "restartPods needs the workload whose pods restart")]
    [InlineData("faults[0].workload=web", "faults[0].workload", "`workload` is for restartPods, not restartApiServers")]
    [InlineData("faults[1].maxUnavailable=many", "faults[1].maxUnavailable", "expected a count or a percentage (\"25\", \"10%\"), got 'many'")]
    [InlineData("faults[2].duration=0s", "faults[2].duration", "")]
    [InlineData("workloads[1].informers[0].resourceVersion=5", "workloads[1].informers[0].resourceVersion", "must be \"0\" (any version: the watch cache) or \"\" (a consistent list), got '5'")]
    [InlineData("workloads[1].informers[0].resource=pods/log", "workloads[1].informers[0].resource", "an informer watches objects, not a subresource: 'pods/log'")]
    public void A_fault_or_action_the_fleet_cannot_carry_out_is_bad_input_at_its_field(string sets, string field, string message)
    {
        var e = Assert.Throws<InputException>(() => Load(Fleet, sets.Split('|')));
        Assert.Equal(field, e.Field);
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("faults[0].at=59m59s")]
    [InlineData("faults[0].fault=restartCoreDns")]
    [InlineData("faults[0]={fault: restartScheduler, at: 3m, clusters: [canary]}|clusters[1].controllers.enabled=false")]
    [InlineData("faults[1].clusters=[canary]|workloads[1].clusters=[canary]")]
    [InlineData("remediation[6]={action: blockApiAccess, from: nodes, clustersAtOnce: 2}")]
    [InlineData("remediation[0].action=unblockApiAccess")]
    [InlineData("remediation[6]={action: shiftTraffic, clustersAtOnce: 2, fraction: 0.1}")]
    [InlineData("remediation[2]={action: scaleWorkload, afterDetection: 17m, workloads: [web], replicas: 3}")]
    [InlineData("faults[2]={fault: loseNodes, afterDetection: 1m, fraction: 0.4}")]
    [InlineData("faults[0].fault=killEtcd|faults[0].duration=1m")]
    [InlineData("workloads[1].calls[0]={verb: get, resource: configmaps, scope: namespace, at: 90s}")]
    [InlineData("workloads[1].calls[0].jitter=0.2|workloads[1].calls[0].phase=aligned")]
    [InlineData("remediation[1].replicas=64")]
    [InlineData("remediation[7].pods=1")]
    [InlineData("remediation[6].fraction=0.01")]
    [InlineData("faults[0].at=|faults[0].afterHalt=0s")]
    [InlineData("faults[1].maxUnavailable=10%")]
    [InlineData("workloads[1].informers[0].resourceVersion=''")]
    public void The_same_fault_or_action_where_the_fleet_can_carry_it_out_loads(string sets) => Load(Fleet, sets.Split('|'));

    [Fact]
    public void Switches_versions_clients_and_call_timing_arrive_as_written()
    {
        var fleet = Build(Fleet, "clusters[0].kubelets.enabled=false", "clusters[0].controllers.enabled=false",
            "clusters[0].apiServer.maxRequestsInflight=30", "clusters[0].apiServer.maxMutatingRequestsInflight=12",
            "remediation[2]={name: third, action: scaleApiServers, afterDetection: 17m, replicas: 9, clusters: [prod-*]}",
            "workloads[1].startAt=5m", "workloads[1].client.timeout=7s", "workloads[1].client.maxRetries=3",
            "workloads[1].calls[5]={verb: get, resource: secrets, scope: object, at: 90s}", "workloads[1].calls[1].phase=aligned");
        var canary = fleet.Clusters[0];
        var prod = fleet.Clusters[1];
        Assert.Null(canary.Kubelets);
        Assert.Null(canary.Controllers);
        Assert.NotNull(prod.Kubelets);
        Assert.NotNull(prod.Controllers);
        Assert.Equal(42, canary.Api.Config.SeatsPerReplica);
        // Two scale-ups: the larger target is reserved (in every cluster: the builder reserves the most any action asks).
        Assert.Equal(9, prod.Api.Config.MaxReplicas);
        var web = canary.Workloads.Single(w => w.Workload.Name == "web");
        Assert.Equal((SimTime.FromMinutes(5), false), (web.StartAt!.Value, web.RunningBefore));
        var client = web.Workload.Clients[0];
        Assert.Equal((S(7), 3), (client.TimeoutTicks, client.MaxRetries));
        Assert.Equal(0, prod.Workloads.Single(w => w.Workload.Name == "agent").Workload.Clients[0].TimeoutTicks);
        var calls = web.Workload.Calls;
        Assert.Equal((S(90), false, true), (calls[5].AtTicks, calls[5].Aligned, calls[5].OneShot));
        Assert.Equal((-1L, true), (calls[1].AtTicks, calls[1].Aligned));
        Assert.Equal((-1L, false, false), (calls[0].AtTicks, calls[0].Aligned, calls[0].OneShot));
        // The agent runs a pod per node now, its slots reserved for a scale-up; the Deployment its replicas.
        Assert.Equal(4, canary.Workloads.Single(w => w.Workload.Name == "agent").Workload.Replicas);
        Assert.Equal(3, web.Workload.Replicas);
    }

    [Theory]
    [InlineData("consistentListFromCache")]
    [InlineData("resilientWatchCacheInitialization")]
    [InlineData("streamingListEncoding")]
    [InlineData("watchList")]
    public void A_feature_set_in_the_file_overrides_the_versions_default(string feature)
    {
        foreach (var version in new[] { "1.29", "1.35" })
        {
            var byVersion = ScenarioBuilder.FeaturesOf(Load(Fleet, $"clusters[0].kubernetesVersion={version}").Clusters[0]);
            bool d = Value(byVersion, feature);
            var set = ScenarioBuilder.FeaturesOf(Load(Fleet, $"clusters[0].kubernetesVersion={version}", $"clusters[0].apiServer.{feature}={(!d).ToString().ToLowerInvariant()}").Clusters[0]);
            Assert.Equal(!d, Value(set, feature));
        }
        static bool Value(KubernetesFeatures f, string name) =>
            (bool)typeof(KubernetesFeatures).GetProperty(char.ToUpperInvariant(name[0]) + name[1..])!.GetValue(f)!;
    }

    [Fact]
    public void An_informer_without_a_selector_lists_everything_in_its_scope()
    {
        var cluster = Build(Fleet, "workloads[1].informers[0].selector=''").Clusters[0];
        var list = cluster.Workloads.Single(w => w.Workload.Name == "web").Workload.InformersOf(0)[0].Calls.List;
        Assert.Equal((false, 1.0, 1.0, true), (list.HasSelector, list.Selectivity, list.ScopeFraction, list.ClusterScope));
    }
}
