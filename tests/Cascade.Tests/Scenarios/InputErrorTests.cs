using Cascade.Cli;
using Cascade.ControlPlane.Apf;
using Cascade.Scenarios.Importers;
using Cascade.Tests.Cli;

namespace Cascade.Tests.Scenarios;

/// <summary>
/// Bad input, as a new user or a fuzzer writes it, is answered by one line naming the file, line, column and
/// field, with exit code 2: never a crash, a stack trace, a run of a scenario that means nothing, or a file
/// written outside the output folder.
/// </summary>
[Collection("console")]
public sealed class InputErrorTests : IDisposable
{
    private const string Head = "apiVersion: cascade/v1\nkind: Scenario\nmetadata:\n  name: t\n";
    private readonly string dir = Directory.CreateTempSubdirectory("cascade-input-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string text, string name = "scenario.yaml")
    {
        var file = Path.Combine(dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    /// <summary>Runs `cascade run FILE --out DIR/out`; asserts exit code 2, one line at LINE:COLUMN naming FIELD, and no output written.</summary>
    private string RejectedAt(string file, int line, int column, string? field, string message, params string[] flags)
    {
        var outDir = Path.Combine(dir, "out");
        var (code, _, err) = CliTests.Run(["run", file, "--out", outDir, "-q", .. flags]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains($"{file}:{line}:{column}: ", err);
        if (field is not null) Assert.Contains($": {field}: ", err);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
        Assert.False(Directory.Exists(outDir));
        return err;
    }

    [Fact]
    public void Twenty_thousand_nested_flow_mappings_are_refused_before_the_parser_overflows_its_stack()
    {
        var file = Write("apiVersion: cascade/v1\nkind: Scenario\nmetadata: " + string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "\n");
        RejectedAt(file, 3, 11 + 4 * 99, null, "nested more than 100 levels deep");
    }

    [Fact]
    public void A_hundred_thousand_open_brackets_are_refused_before_the_parser_overflows_its_stack()
    {
        var file = Write("apiVersion: cascade/v1\nkind: Scenario\nmetadata: " + new string('[', 100_000) + "\n");
        RejectedAt(file, 3, 11 + 99, null, "nested more than 100 levels deep");
    }

    [Fact]
    public void Block_lists_nested_past_the_limit_are_refused_too()
    {
        var file = Write(Head + "workloads:\n  " + string.Concat(Enumerable.Repeat("- ", 5_000)) + "x\n");
        RejectedAt(file, 6, 3 + 2 * 98, null, "nested more than 100 levels deep");
    }

    [Fact]
    public void Brackets_and_hashes_inside_quotes_and_comments_do_not_count_as_nesting()
    {
        var deep = new string('[', 300);
        var text = Head.Replace("name: t", $"name: t  # {deep}") + $"  description: \"{deep}\"\nduration: 1m\ncluster: {{nodes: 5}}\n";
        var (code, _, err) = CliTests.Run("run", Write(text), "--out", Path.Combine(dir, "out"), "-q");
        Assert.True(code == ExitCodes.Ok, err);
    }

    [Fact]
    public void An_empty_key_is_a_located_error()
    {
        var file = Write("apiVersion: cascade/v1\nkind: Scenario\nmetadata:\n  : x\n");
        RejectedAt(file, 4, 3, null, "a key is missing before the ':'");
        var afterAnother = Write("apiVersion: cascade/v1\nkind: Scenario\nmetadata:\n  name: t\n  : x\n", "after.yaml");
        RejectedAt(afterAnother, 5, 3, null, "a key is missing before the ':'");
    }

    [Theory]
    [InlineData("cluster:\n  objects:\n    pods: {count: 10, bytesPerObject: 1e308}\n", 7, 39, "cluster.objects.pods.bytesPerObject", "at most 1Ei")]
    [InlineData("cluster:\n  apiServer:\n    memory: 18446744073709551616\n", 7, 13, "cluster.apiServer.memory", "at most 1Ei")]
    [InlineData("cluster:\n  objects:\n    pods: {count: 10, bytesPerObject: 2Gi}\n", 7, 39, "cluster.objects.pods.bytesPerObject", "between 0 and 1Gi")]
    [InlineData("cluster:\n  apiServer:\n    memory: -1Gi\n", 7, 13, "cluster.apiServer.memory", "must not be negative")]
    public void A_quantity_past_what_a_long_holds_is_a_located_error(string yaml, int line, int column, string field, string message) =>
        RejectedAt(Write(Head + yaml), line, column, field, message);

    [Theory]
    [InlineData("cluster:\n  apiServer:\n    requestTimeout: 0s\n", 7, 21, "cluster.apiServer.requestTimeout", "must be longer than 0")]
    [InlineData("cluster:\n  apiServer:\n    restartTime: -1s\n", 7, 18, "cluster.apiServer.restartTime", "must not be negative")]
    [InlineData("cluster:\n  kubelets:\n    leaseRenewInterval: -5m\n", 7, 25, "cluster.kubelets.leaseRenewInterval", "must not be negative")]
    [InlineData("duration: -5m\n", 5, 11, "duration", "must not be negative")]
    [InlineData("cluster:\n  dns:\n    recordTtl: 0s\n", 7, 16, "cluster.dns.recordTtl", "must be longer than 0")]
    [InlineData("duration: 0s\n", 5, 11, "duration", "must be longer than 0")]
    [InlineData("workloads:\n  - name: w\n    startAt: -1m\n", 7, 14, "workloads[0].startAt", "must not be negative")]
    [InlineData("workloads:\n  - name: w\n    calls:\n      - {verb: list, resource: pods, every: -1s}\n", 8, 45, "workloads[0].calls[0].every", "must not be negative")]
    [InlineData("workloads:\n  - name: w\n    calls:\n      - {verb: list, resource: pods, every: 0s}\n", 8, 45, "workloads[0].calls[0].every", "must be longer than 0")]
    [InlineData("workloads:\n  - name: w\nrollout:\n  change: w\n  startAt: -1m\n", 9, 12, "rollout.startAt", "must not be negative")]
    [InlineData("workloads:\n  - name: w\nrollout:\n  change: w\n  waves:\n    - bake: -5\n", 10, 13, "rollout.waves[0].bake", "must not be negative")]
    [InlineData("remediation:\n  - {action: unblockApiAccess, at: 1m, every: 0s}\n", 6, 47, "remediation[0].every", "`every` must be above 0")]
    [InlineData("remediation:\n  - {action: unblockApiAccess, at: 1m, every: -1s}\n", 6, 47, "remediation[0].every", "must not be negative")]
    public void A_negative_duration_or_a_zero_one_where_zero_means_nothing_is_a_located_error(string yaml, int line, int column, string field, string message) =>
        RejectedAt(Write(Head + yaml), line, column, field, message);

    [Fact]
    public void A_negative_duration_given_by_set_names_the_override()
    {
        var (code, _, err) = CliTests.Run("run", Write(Head), "--set", "duration=-5m", "--out", Path.Combine(dir, "out"), "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--set duration=-5m: duration: must not be negative", err);
    }

    [Theory]
    [InlineData("workloads:\n  - name: w\n    startAt: 0s\n")]
    [InlineData("workloads:\n  - name: w\nrollout:\n  change: w\n  waves:\n    - bake: 0s\n")]
    [InlineData("cluster:\n  etcd:\n    requestLatency: 0s\n")]
    public void A_zero_duration_that_means_at_once_or_none_is_accepted(string yaml)
    {
        var (code, _, err) = CliTests.Run("run", Write(Head + "duration: 1m\n" + yaml), "--out", Path.Combine(dir, "out"), "-q");
        Assert.True(code == ExitCodes.Ok, err);
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("/tmp/cascade-absolute-name")]
    [InlineData("..")]
    [InlineData("a\\b")]
    public void A_name_that_would_send_the_output_folder_elsewhere_is_a_located_error(string name)
    {
        // A mutated build (Stryker) that let the name through leaves the folder behind: start without it.
        if (Directory.Exists("/tmp/cascade-absolute-name")) Directory.Delete("/tmp/cascade-absolute-name", recursive: true);
        var file = Write($"apiVersion: cascade/v1\nkind: Scenario\nmetadata:\n  name: '{name}'\n");
        var (code, _, err) = CliTests.Run("run", file, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains($"{file}:4:9: metadata.name: ", err);
        Assert.Contains("cannot name the output folder", err);
        Assert.False(Directory.Exists("/tmp/cascade-absolute-name"));
        Assert.False(File.Exists(Path.Combine("out", name, "result.json")));
    }

    [Theory]
    [InlineData("clusters:\n  - name: a\n  - name: a\n", 7, 11, "clusters[1].name", "two clusters are named 'a'")]
    [InlineData("clusters:\n  - {name: a, count: 2}\n  - name: a-2\n", 7, 11, "clusters[1].name", "two clusters are named 'a-2'")]
    [InlineData("rollout:\n  change: nope\n", 6, 11, "rollout.change", "the rollout's change 'nope' is not a workload")]
    [InlineData("products:\n  - {name: a, calls: [b]}\n  - {name: b, calls: [a]}\n", 7, 23, "products[1].calls[0]", "products call each other in a cycle: a → b → a")]
    [InlineData("products:\n  - {name: a, calls: [a]}\n", 6, 23, "products[0].calls[0]", "product 'a' calls itself")]
    [InlineData("products:\n  - {name: a, calls: [b]}\n", 6, 23, "products[0].calls[0]", "'b' is not a product in cluster")]
    [InlineData("products:\n  - {name: a, cluster: nope}\n", 6, 24, "products[0].cluster", "no cluster of the scenario is 'nope'")]
    [InlineData("products:\n  - {name: a}\n  - {name: a}\n", 7, 12, "products[1].name", "a second product named 'a'")]
    [InlineData("cluster:\n  apiServer:\n    apf: {file: nope.yaml}\n", 7, 17, "cluster.apiServer.apf.file", "not found")]
    [InlineData("clusters:\n  - {name: a}\n  - {name: b, kubernetesVersion: '1.99'}\n", 7, 34, "clusters[1].kubernetesVersion", "is not one the model covers")]
    [InlineData("cluster:\n  kubernetesVersion: '1.19'\n  apiServer:\n    apf: {file: scenario.yaml}\n", 6, 22, "cluster.kubernetesVersion", "needs API Priority and Fairness")]
    public void A_mistake_once_found_while_building_is_found_at_load_with_its_place(string yaml, int line, int column, string field, string message) =>
        RejectedAt(Write(Head + yaml), line, column, field, message);

    [Fact]
    public void A_tab_in_the_indentation_is_reported_on_its_own_line()
    {
        var file = Write(Head + "\tduration: 1m\n");
        RejectedAt(file, 5, 1, null, "a tab in the indentation");
        var nested = Write(Head + "cluster:\n\tnodes: 10\n", "nested.yaml");
        RejectedAt(nested, 6, 1, null, "a tab in the indentation");
    }

    [Fact]
    public void A_byte_that_is_not_utf8_is_a_located_error()
    {
        var file = Path.Combine(dir, "latin1.yaml");
        File.WriteAllBytes(file, [.. "apiVersion: cascade/v1\nkind: Scenario\nmetadata:\n  name: caf"u8, 0xE9, .. "\n"u8]);
        RejectedAt(file, 4, 12, null, "byte 0xE9 is not UTF-8");
    }

    [Fact]
    public void A_directory_given_as_the_scenario_is_called_a_directory()
    {
        var (code, _, err) = CliTests.Run("run", dir, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{dir}: is a directory", err);
        Assert.DoesNotContain("not found", err);
    }

    [Fact]
    public void Zero_threads_is_an_error_not_one_thread()
    {
        var (code, _, err) = CliTests.Run("run", Write(Head + "duration: 1m\n"), "--threads", "0", "--out", Path.Combine(dir, "out"), "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--threads: must be at least 1", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void A_seed_that_is_not_a_number_is_named_in_words_not_in_dotnet_types()
    {
        var (code, _, err) = CliTests.Run("run", Write(Head), "--seed", "abc", "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--seed: 'abc' is not a seed", err);
        Assert.DoesNotContain("System.", err);
    }

    [Fact]
    public void A_report_path_that_cannot_be_written_fails_before_the_run_and_leaves_no_outputs()
    {
        var blocker = Write("not a folder", "blocker");
        var outDir = Path.Combine(dir, "out");
        var (code, _, err) = CliTests.Run("run", Write(Head + "duration: 1m\n"), "--out", outDir, "--report", Path.Combine(blocker, "report.html"), "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--report: cannot write", err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void An_output_folder_that_is_a_file_fails_before_the_run()
    {
        var blocker = Write("not a folder", "blocker");
        var (code, _, err) = CliTests.Run("run", Write(Head + "duration: 1m\n"), "--out", blocker, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--out: ", err);
        Assert.Contains("is a file, not a folder", err);
    }

    [Fact]
    public void A_run_replaces_the_whole_set_and_leaves_no_temporary_file_behind()
    {
        var outDir = Path.Combine(dir, "out");
        var file = Write(Head + "duration: 1m\n");
        for (int run = 0; run < 2; run++)
        {
            var (code, _, err) = CliTests.Run("run", file, "--out", outDir, "-q");
            Assert.True(code == ExitCodes.Ok, err);
        }
        Assert.Equal(["products.csv", "result.json", "timeseries.csv"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order());
        Assert.Equal([outDir, Path.Combine(dir, "scenario.yaml")], Directory.GetFileSystemEntries(dir).Order());
    }

    [Fact]
    public void A_folder_holding_other_files_keeps_them_and_gets_the_set_with_result_json_last()
    {
        var outDir = Directory.CreateDirectory(Path.Combine(dir, "mine")).FullName;
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(outDir, "result.json"), "{}");
        var (code, _, err) = CliTests.Run("run", Write(Head + "duration: 1m\n"), "--out", outDir, "-q");
        Assert.True(code == ExitCodes.Ok, err);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outDir, "notes.txt")));
        Assert.Contains("\"scenario\"", File.ReadAllText(Path.Combine(outDir, "result.json")));
        Assert.Equal(["notes.txt", "products.csv", "result.json", "timeseries.csv"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order());
    }

    private const string Level = """
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: PriorityLevelConfiguration
        metadata: {name: batch}
        spec: {type: Limited, limited: {nominalConcurrencyShares: 10, limitResponse: {type: Reject}}}
        ---
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: FlowSchema
        metadata: {name: ci}
        spec:
          priorityLevelConfiguration: {name: bacth}
          rules: []

        """;

    [Fact]
    public void A_flow_schema_naming_a_priority_level_that_does_not_exist_is_a_located_error()
    {
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(Level, "apf.yaml"));
        Assert.Equal("apf.yaml:10:38: spec.priorityLevelConfiguration.name", $"{e.File}:{e.Line}:{e.Column}: {e.Field}");
        Assert.Contains("no PriorityLevelConfiguration is named \"bacth\"", e.Message);
        // A bootstrap level is known while the defaults are kept, and not otherwise.
        var suggested = Level.Replace("bacth", "workload-low");
        Assert.Single(ApfYaml.Parse(suggested, "apf.yaml").FlowSchemas);
        Assert.Throws<InputException>(() => ApfYaml.Parse(suggested, "apf.yaml", keepDefaults: false));

        var apf = Write(Level, "apf.yaml");
        var file = Write(Head + "cluster:\n  apiServer:\n    apf: {file: apf.yaml}\n");
        var (code, _, err) = CliTests.Run("run", file, "--out", Path.Combine(dir, "out"), "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{apf}:10:38: spec.priorityLevelConfiguration.name: ", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void An_apf_file_with_an_unclosed_flow_mapping_is_a_located_error()
    {
        var text = "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\nmetadata: {name: ci\nspec: {}\n";
        var e = Assert.Throws<InputException>(() => ApfYaml.Parse(text, "apf.yaml"));
        Assert.Equal("apf.yaml", e.File);
        Assert.True(e.Line >= 3, e.Describe());
        var deep = Assert.Throws<InputException>(() => ApfYaml.Parse("kind: " + new string('[', 50_000), "apf.yaml"));
        Assert.Contains("nested more than", deep.Message);
    }

    private const string ApfHead = "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: PriorityLevelConfiguration\nmetadata:\n  name: batch\n";

    /// <summary>Runs a scenario whose APF file is <paramref name="apfText"/>; asserts exit code 2 and one line at the APF file's LINE:COLUMN.</summary>
    private void ApfRejectedAt(string apfText, int line, int column, string message)
    {
        var apf = Write(apfText, "apf.yaml");
        var file = Write(Head + "cluster:\n  apiServer:\n    apf: {file: apf.yaml}\n");
        var (code, _, err) = CliTests.Run("run", file, "--out", Path.Combine(dir, "out"), "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains($"{apf}:{line}:{column}: {message}", err);
    }

    [Fact]
    public void A_tab_in_an_apf_files_indentation_is_reported_on_its_own_line() =>
        ApfRejectedAt(ApfHead + "spec:\n\ttype: Limited\n", 6, 1, "a tab in the indentation");

    [Fact]
    public void A_tab_on_line_five_of_an_apf_file_is_reported_on_line_five() =>
        ApfRejectedAt("apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: PriorityLevelConfiguration\nmetadata:\n  name: batch\n\tspec: {}\n", 5, 1, "a tab in the indentation");

    [Fact]
    public void An_empty_key_in_an_apf_file_is_a_located_error() =>
        ApfRejectedAt(ApfHead + "spec:\n  type: Limited\n  : x\n", 7, 3, "a key is missing before the ':'");
}
