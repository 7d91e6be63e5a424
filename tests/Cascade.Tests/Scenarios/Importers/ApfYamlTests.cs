using Cascade.ControlPlane.Apf;
using Cascade.Scenarios.Importers;

namespace Cascade.Tests.Scenarios.Importers;

public class ApfYamlTests
{
    // Shaped like `kubectl get flowschemas,prioritylevelconfigurations -o yaml` on a 1.31 cluster.
    internal const string KubectlList = """
        apiVersion: v1
        items:
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: FlowSchema
          metadata:
            annotations:
              apf.kubernetes.io/autoupdate-spec: "false"
            creationTimestamp: "2024-12-11T22:40:12Z"
            generation: 1
            name: telemetry-agents
            resourceVersion: "81235"
            uid: 0c1e4d8a-1f6b-4c55-9a57-2f0e2e1f7d10
          spec:
            distinguisherMethod:
              type: ByUser
            matchingPrecedence: 1000
            priorityLevelConfiguration:
              name: telemetry
            rules:
            - resourceRules:
              - apiGroups:
                - '*'
                clusterScope: true
                namespaces:
                - '*'
                resources:
                - '*'
                verbs:
                - get
                - list
                - watch
              subjects:
              - kind: ServiceAccount
                serviceAccount:
                  name: agent
                  namespace: telemetry
          status:
            conditions:
            - lastTransitionTime: "2024-12-11T22:40:12Z"
              message: This FlowSchema references the PriorityLevelConfiguration object named "telemetry" and it exists
              reason: Found
              status: "False"
              type: Dangling
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: FlowSchema
          metadata:
            name: probes
          spec:
            matchingPrecedence: 2
            priorityLevelConfiguration:
              name: exempt
            rules:
            - nonResourceRules:
              - nonResourceURLs:
                - /healthz
                - /readyz
                - /livez
                verbs:
                - get
              subjects:
              - group:
                  name: system:unauthenticated
                kind: Group
              - group:
                  name: system:authenticated
                kind: Group
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: PriorityLevelConfiguration
          metadata:
            name: exempt
          spec:
            exempt:
              lendablePercent: 0
              nominalConcurrencyShares: 0
            type: Exempt
          status: {}
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: PriorityLevelConfiguration
          metadata:
            name: telemetry
            resourceVersion: "81234"
          spec:
            limited:
              lendablePercent: 0
              limitResponse:
                queuing:
                  handSize: 4
                  queueLengthLimit: 20
                  queues: 16
                type: Queue
              nominalConcurrencyShares: 5
            type: Limited
          status: {}
        kind: List
        metadata:
          resourceVersion: ""
        """;

    private static int LineOf(string text, string needle) =>
        Array.FindIndex(text.Split('\n'), l => l.Contains(needle)) + 1;

    private static int ColumnOf(string text, string needle) =>
        text.Split('\n')[LineOf(text, needle) - 1].IndexOf(needle, StringComparison.Ordinal) + 1;

    [Fact]
    public void A_user_flow_schema_from_kubectl_output_moves_an_identity_into_its_own_level()
    {
        var objects = ApfYaml.Parse(KubectlList, "apf.yaml");
        Assert.Equal(new[] { "exempt", "telemetry" }, objects.PriorityLevels.Select(p => p.Name));
        Assert.Equal(new[] { "telemetry-agents", "probes" }, objects.FlowSchemas.Select(f => f.Name));
        var telemetry = objects.PriorityLevels[1];
        Assert.Equal((5, 0, 16, 4, 20), (telemetry.NominalConcurrencyShares, telemetry.LendablePercent, telemetry.Queues, telemetry.HandSize, telemetry.QueueLengthLimit));
        Assert.Null(telemetry.BorrowingLimitPercent);

        var config = ApfConfiguration.From(objects, keepDefaults: true);
        var agent = new RequestDigest(ApfIdentity.ServiceAccountUser("telemetry", "agent"), ApfIdentity.ServiceAccountGroups("telemetry"), "list", "", "pods", null, true, null);
        var before = ApfConfiguration.Default.Classify(agent);
        var after = config.Classify(agent);
        Assert.Equal("workload-low", ApfConfiguration.Default.PriorityLevels[before.PriorityLevel].Name);
        Assert.Equal("telemetry", config.PriorityLevels[after.PriorityLevel].Name);
        Assert.Equal("telemetry-agents", config.FlowSchemas[after.FlowSchema].Name);
        // A write by the same identity is not in the rule's verbs: still service-accounts → workload-low.
        var write = config.Classify(agent with { Verb = "create" });
        Assert.Equal("workload-low", config.PriorityLevels[write.PriorityLevel].Name);
        // Other service accounts are unaffected.
        var other = config.Classify(agent with { User = ApfIdentity.ServiceAccountUser("telemetry", "collector") });
        Assert.Equal("workload-low", config.PriorityLevels[other.PriorityLevel].Name);
        // ΣNCS is now 250: the new level gets ceil(600 × 5 / 250) = 12 seats, workload-low ceil(240) = 240.
        var limits = config.Limits(600);
        Assert.Equal(12, limits[config.PriorityLevelIndex("telemetry")].NominalCL);
        Assert.Equal(240, limits[config.PriorityLevelIndex("workload-low")].NominalCL);
    }

    private const string Batch = """
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: PriorityLevelConfiguration
        metadata:
          name: batch
        spec:
          type: Limited
          limited:
            limitResponse:
              type: Queue
        ---
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: FlowSchema
        metadata:
          name: batch-jobs
        spec:
          priorityLevelConfiguration:
            name: batch
          distinguisherMethod:
            type: ByNamespace
          rules:
          - subjects:
            - kind: Group
              group:
                name: batch-runners
            resourceRules:
            - verbs: ["*"]
              apiGroups: ["batch"]
              resources: ["jobs"]
              namespaces: ["*"]
        ---
        """;

    [Fact]
    public void Multi_document_manifests_with_defaults_left_out_are_read_too()
    {
        var objects = ApfYaml.Parse(Batch, "batch.yaml");
        var batch = Assert.Single(objects.PriorityLevels);
        // v1 defaulting: 30 shares, 64 queues, hand 8, length 50.
        Assert.Equal((30, 64, 8, 50), (batch.NominalConcurrencyShares, batch.Queues, batch.HandSize, batch.QueueLengthLimit));
        var fs = Assert.Single(objects.FlowSchemas);
        Assert.Equal(1000, fs.MatchingPrecedence);
        Assert.Equal(FlowDistinguisherMethod.ByNamespace, fs.Distinguisher);
        var config = ApfConfiguration.From(objects, keepDefaults: false);
        var job = config.Classify(new RequestDigest("ci", new[] { "batch-runners", ApfDefaults.SystemAuthenticated }, "create", "batch", "jobs", "ci", true, null));
        Assert.Equal("batch", config.PriorityLevels[job.PriorityLevel].Name);
        var sameNs = config.Classify(new RequestDigest("ci-2", new[] { "batch-runners", ApfDefaults.SystemAuthenticated }, "create", "batch", "jobs", "ci", true, null));
        Assert.Equal(job.FlowHash, sameNs.FlowHash);  // ByNamespace: one flow per namespace
    }

    [Fact]
    public void A_misspelled_field_is_reported_with_its_line_column_and_path()
    {
        string yaml = KubectlList.Replace("handSize: 4", "handsize: 4");
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(yaml, "apf.yaml"));
        Assert.Equal("apf.yaml", e.File);
        Assert.Equal(LineOf(yaml, "handsize:"), e.Line);
        Assert.Equal(ColumnOf(yaml, "handsize:"), e.Column);
        Assert.Equal("items[3].spec.limited.limitResponse.queuing.handsize", e.Field);
        Assert.Contains("unknown field", e.Message);
        Assert.StartsWith($"apf.yaml:{e.Line}:{e.Column}: items[3].spec.limited.limitResponse.queuing.handsize: ", e.Describe());
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_reported_at_the_value()
    {
        string yaml = KubectlList.Replace("queues: 16", "queues: sixteen");
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(yaml, "apf.yaml"));
        Assert.Equal(LineOf(yaml, "queues: sixteen"), e.Line);
        Assert.Equal(ColumnOf(yaml, "sixteen"), e.Column);
        Assert.Equal("items[3].spec.limited.limitResponse.queuing.queues", e.Field);
        Assert.Contains("integer", e.Message);
    }

    [Fact]
    public void A_hand_larger_than_the_deck_is_reported_at_hand_size()
    {
        string yaml = KubectlList.Replace("handSize: 4", "handSize: 40");
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(yaml, "apf.yaml"));
        Assert.Equal(LineOf(yaml, "handSize: 40"), e.Line);
        Assert.Equal("items[3].spec.limited.limitResponse.queuing.handSize", e.Field);
        Assert.Contains("shuffle-sharding", e.Message);
    }

    [Fact]
    public void A_missing_required_field_names_the_field()
    {
        string yaml = KubectlList.Replace("        type: Queue\n", "");
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(yaml, "apf.yaml"));
        Assert.Equal("items[3].spec.limited.limitResponse.type", e.Field);
        Assert.Equal(LineOf(yaml, "queuing:"), e.Line);  // the limitResponse mapping starts at its first key
    }

    [Fact]
    public void An_old_api_version_and_broken_yaml_are_reported_with_their_lines()
    {
        string old = KubectlList.Replace("- apiVersion: flowcontrol.apiserver.k8s.io/v1\n  kind: PriorityLevelConfiguration\n  metadata:\n    name: telemetry",
            "- apiVersion: flowcontrol.apiserver.k8s.io/v1beta1\n  kind: PriorityLevelConfiguration\n  metadata:\n    name: telemetry");
        Assert.NotEqual(KubectlList, old);
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(old, "apf.yaml"));
        Assert.Equal(LineOf(old, "v1beta1"), e.Line);
        Assert.Equal("items[3].apiVersion", e.Field);

        const string broken = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: [unclosed\n";
        var b = Assert.Throws<InputException>(() => ApfYaml.Parse(broken, "broken.yaml"));
        Assert.Equal("broken.yaml", b.File);
        Assert.True(b.Line >= 4, $"line {b.Line}");
    }

    [Fact]
    public void Two_objects_with_one_name_are_an_error_at_the_second_name()
    {
        string yaml = KubectlList.Replace("    name: probes", "    name: telemetry-agents");
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(yaml, "apf.yaml"));
        Assert.Equal(Array.FindLastIndex(yaml.Split('\n'), l => l.Contains("name: telemetry-agents")) + 1, e.Line);
        Assert.Equal("items[1].metadata.name", e.Field);
    }

    [Theory]
    [InlineData("kind: FlowSchema", "kind: Secret", "kind", "kind \"Secret\" is not FlowSchema or PriorityLevelConfiguration")]
    [InlineData("    limitResponse:", "    assuredConcurrencyShares: 5\n    limitResponse:", "spec.limited.assuredConcurrencyShares", "assuredConcurrencyShares is the pre-v1beta3 name")]
    [InlineData("type: ByNamespace", "type: ByPod", "spec.distinguisherMethod.type", "distinguisherMethod type must be ByUser or ByNamespace, not \"ByPod\"")]
    [InlineData("- kind: Group", "- kind: Robot", "spec.rules[0].subjects[0].kind", "subject kind must be User, Group or ServiceAccount, not \"Robot\"")]
    [InlineData("namespaces: [\"*\"]", "namespaces: [\"*\"]\n      clusterScope: maybe", "spec.rules[0].resourceRules[0].clusterScope", "expected true or false, not ")]
    [InlineData("      name: batch-runners", "      name: [a]", "spec.rules[0].subjects[0].group.name", "expected a string")]
    [InlineData("      name: batch-runners", "      name:", "spec.rules[0].subjects[0].group.name", "expected a string")]
    public void Each_malformed_part_of_a_flow_schema_or_level_is_reported_at_its_path(string find, string replace, string field, string message) =>
        Assert.StartsWith(message, LocatedError(Batch, "batch.yaml", find, replace, field).Message);

    /// <summary>Parses <paramref name="yaml"/> with one edit, which must make it bad input located at <paramref name="field"/> in the file.</summary>
    private static InputException LocatedError(string yaml, string file, string find, string replace, string field)
    {
        string edited = yaml.Replace(find, replace);
        Assert.NotEqual(yaml, edited);
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(edited, file));
        Assert.Equal((field, file), (e.Field, e.File));
        Assert.True(e.Line > 0 && e.Column > 0, $"{e.Line}:{e.Column}");
        return e;
    }

    [Fact]
    public void User_and_service_account_subjects_and_cluster_scoped_rules_are_read()
    {
        string yaml = Batch.Replace("""
                - kind: Group
                  group:
                    name: batch-runners
            """, """
                - kind: User
                  user: {name: alice}
                - kind: ServiceAccount
                  serviceAccount: {namespace: ci, name: runner}
            """).Replace("namespaces: [\"*\"]", "clusterScope: true");
        Assert.NotEqual(Batch, yaml);
        var config = ApfConfiguration.From(ApfYaml.Parse(yaml, "batch.yaml"), keepDefaults: false);
        string LevelOf(string user, string[] groups, string? ns) =>
            config.PriorityLevels[config.Classify(new RequestDigest(user, groups, "create", "batch", "jobs", ns, true, null)).PriorityLevel].Name;
        Assert.Equal("batch", LevelOf("alice", [ApfDefaults.SystemAuthenticated], null));
        Assert.Equal("batch", LevelOf("system:serviceaccount:ci:runner", ["system:serviceaccounts", ApfDefaults.SystemAuthenticated], null));
        Assert.NotEqual("batch", LevelOf("bob", [ApfDefaults.SystemAuthenticated], null));
        Assert.NotEqual("batch", LevelOf("alice", [ApfDefaults.SystemAuthenticated], "ci")); // cluster scope only
    }

    private const string Levels = """
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: PriorityLevelConfigurationList
        items:
        - apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
          kind: PriorityLevelConfiguration
          metadata: {name: exempt}
          spec:
            type: Exempt
            exempt: {nominalConcurrencyShares: 3, lendablePercent: 40}
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: PriorityLevelConfiguration
          metadata: {name: strict}
          spec:
            type: Limited
            limited:
              nominalConcurrencyShares: 7
              lendablePercent: 25
              borrowingLimitPercent: 60
              limitResponse: {type: Reject}
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: PriorityLevelConfiguration
          metadata: {name: queued}
          spec:
            type: Limited
            limited:
              limitResponse:
                type: Queue
                queuing: {queues: 32, handSize: 4, queueLengthLimit: 20}
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: FlowSchema
          metadata: {name: probes}
          spec:
            priorityLevelConfiguration: {name: strict}
            matchingPrecedence: 250
            distinguisherMethod: {type: ByUser}
            rules:
            - subjects: [{kind: Group, group: {name: ops}}]
              nonResourceRules: [{verbs: [get], nonResourceURLs: [/healthz, /readyz]}]
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: FlowSchema
          metadata: {name: nothing}
          spec:
            priorityLevelConfiguration: {name: exempt}
            rules: ~
        """;

    [Fact]
    public void Every_field_of_exempt_reject_and_queue_levels_and_of_a_non_resource_rule_is_read()
    {
        var o = ApfYaml.Parse(Levels, "levels.yaml");
        Assert.Equal(["exempt", "strict", "queued"], o.PriorityLevels.Select(l => l.Name));
        var free = o.PriorityLevels[0];
        Assert.Equal((PriorityLevelType.Exempt, 3, 40, LimitResponseType.Reject, 0, 0, 0),
            (free.Type, free.NominalConcurrencyShares, free.LendablePercent, free.LimitResponse, free.Queues, free.HandSize, free.QueueLengthLimit));
        var strict = o.PriorityLevels[1];
        Assert.Equal((PriorityLevelType.Limited, 7, 25, (int?)60, LimitResponseType.Reject, 0),
            (strict.Type, strict.NominalConcurrencyShares, strict.LendablePercent, strict.BorrowingLimitPercent, strict.LimitResponse, strict.Queues));
        var queued = o.PriorityLevels[2];
        Assert.Equal((30, 0, (int?)null, LimitResponseType.Queue, 32, 4, 20),
            (queued.NominalConcurrencyShares, queued.LendablePercent, queued.BorrowingLimitPercent, queued.LimitResponse, queued.Queues, queued.HandSize, queued.QueueLengthLimit));
        var probes = o.FlowSchemas[0];
        Assert.Equal(("strict", 250, FlowDistinguisherMethod.ByUser), (probes.PriorityLevelName, probes.MatchingPrecedence, probes.Distinguisher));
        var rule = Assert.Single(probes.Rules);
        Assert.Empty(rule.ResourceRules);
        var nr = Assert.Single(rule.NonResourceRules);
        Assert.Equal(["get"], nr.Verbs);
        Assert.Equal(["/healthz", "/readyz"], nr.NonResourceUrls);
        var nothing = o.FlowSchemas[1];
        Assert.Equal((1000, (FlowDistinguisherMethod?)null), (nothing.MatchingPrecedence, nothing.Distinguisher));
        Assert.Empty(nothing.Rules);
        // An empty file, or empty documents, hold nothing.
        Assert.Empty(ApfYaml.Parse("", "e.yaml").PriorityLevels);
        Assert.Empty(ApfYaml.Parse("---\n~\n---\nnull\n", "e.yaml").FlowSchemas);
        Assert.Empty(ApfYaml.Parse("apiVersion: v1\nkind: List\n", "e.yaml").FlowSchemas);
    }

    [Theory]
    [InlineData("    exempt: {nominalConcurrencyShares: 3, lendablePercent: 40}", "    exempt: {nominalConcurrencyShares: 3}\n    limited: {}", "items[0].spec.limited", "a priority level of type Exempt cannot have `limited`")]
    [InlineData("    exempt: {nominalConcurrencyShares: 3, lendablePercent: 40}", "    exempt: {shares: 3}", "items[0].spec.exempt.shares", "unknown field")]
    [InlineData("      limitResponse: {type: Reject}", "      limitResponse: {type: Reject, queuing: {}}", "items[1].spec.limited.limitResponse.queuing", "a Reject limit response cannot have `queuing`")]
    [InlineData("      limitResponse: {type: Reject}", "      limitResponse: {type: Drop}", "items[1].spec.limited.limitResponse.type", "limitResponse type must be Queue or Reject, not \"Drop\"")]
    [InlineData("    type: Limited\n    limited:\n      nominalConcurrencyShares: 7", "    type: Limited\n    exempt: {}\n    limited:\n      nominalConcurrencyShares: 7", "items[1].spec.exempt", "a priority level of type Limited cannot have `exempt`")]
    [InlineData("  metadata: {name: strict}\n  spec:\n    type: Limited", "  metadata: {name: strict}\n  spec:\n    type: Sometimes", "items[1].spec.type", "type must be Exempt or Limited, not \"Sometimes\"")]
    [InlineData("    priorityLevelConfiguration: {name: strict}", "    priorityLevelConfiguration: {name: stricter}", "items[3].spec.priorityLevelConfiguration.name", "no PriorityLevelConfiguration is named \"stricter\" (known: catch-all, exempt, global-default")]
    [InlineData("kind: PriorityLevelConfigurationList", "kind: PriorityLevelConfigurationList\nextra: 1", "extra", "unknown field")]
    [InlineData("  metadata: {name: nothing}", "  metadata: {name: nothing}\n  data: 1", "items[4].data", "unknown field")]
    [InlineData("      nonResourceRules: [{verbs: [get], nonResourceURLs: [/healthz, /readyz]}]", "      nonResourceRules: [{verbs: [get]}]", "items[3].spec.rules[0].nonResourceRules[0].nonResourceURLs", "missing")]
    [InlineData("    - subjects: [{kind: Group, group: {name: ops}}]", "    - subjects: []", "items[3].spec.rules[0].subjects", "a rule needs at least one subject")]
    [InlineData("    matchingPrecedence: 250", "    matchingPrecedence: high", "items[3].spec.matchingPrecedence", "")]
    public void Each_malformed_level_or_list_is_reported_at_its_path(string find, string replace, string field, string message) =>
        Assert.Contains(message, LocatedError(Levels, "levels.yaml", find, replace, field).Message);

    [Fact]
    public void Without_the_defaults_only_the_files_levels_and_the_mandatory_ones_may_be_named()
    {
        string yaml = Levels.Replace("    priorityLevelConfiguration: {name: exempt}", "    priorityLevelConfiguration: {name: workload-low}");
        ApfYaml.Parse(yaml, "levels.yaml", keepDefaults: true);
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(yaml, "levels.yaml", keepDefaults: false));
        Assert.Equal("no PriorityLevelConfiguration is named \"workload-low\" (known: catch-all, exempt, queued, strict)", e.Message);
        ApfYaml.Parse(Levels.Replace("{name: exempt}\n    rules", "{name: catch-all}\n    rules"), "levels.yaml", keepDefaults: false);
    }
}
