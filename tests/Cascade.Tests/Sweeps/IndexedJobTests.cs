using System.Text.Json.Nodes;
using Cascade.Sweeps;
using YamlDotNet.RepresentationModel;
using SweepFile = Cascade.Sweeps.Sweep;

namespace Cascade.Tests.Sweeps;

/// <summary>`cascade sweep job`: a valid batch/v1 Indexed Job whose pods run one shard each, as a non-root user on a read-only root filesystem.</summary>
public class IndexedJobTests(SweepFixture fx) : IClassFixture<SweepFixture>
{
    private static List<YamlMappingNode> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlMappingNode OfKind(List<YamlMappingNode> docs, string kind) =>
        docs.Single(d => ((YamlScalarNode)d.Children[new YamlScalarNode("kind")]).Value == kind);

    private (JsonObject Job, List<YamlMappingNode> Docs, IReadOnlyList<(string Name, string Text)> Files) Emit(JobOptions options)
    {
        var sweep = SweepFile.Load(fx.SweepFile);
        var files = IndexedJob.Files(sweep, options);
        var docs = Documents(files.Single(f => f.Name == "job.yaml").Text);
        return ((JsonObject)BatchV1JobSchema.ToJson(OfKind(docs, "Job"))!, docs, files);
    }

    [Fact]
    public void The_emitted_manifest_is_a_valid_batch_v1_Indexed_Job()
    {
        var (job, _, _) = Emit(new JobOptions("registry.example.com/cascade:0.1.0", 4, 3, 2, 2, null));

        Assert.Empty(BatchV1JobSchema.Validate(job));
        var spec = job["spec"]!;
        Assert.Equal("Indexed", (string?)spec["completionMode"]);
        Assert.Equal(4, (long)spec["completions"]!);
        Assert.Equal(3, (long)spec["parallelism"]!);
        Assert.Equal(2, (long)spec["backoffLimitPerIndex"]!);
        // The API server's rules beyond the schema: an Indexed Job has completions; per-index backoff and a pod failure policy need restartPolicy Never.
        Assert.Equal("Never", (string?)spec["template"]!["spec"]!["restartPolicy"]);
        Assert.True((long)spec["parallelism"]! <= (long)spec["completions"]!);
    }

    [Fact]
    public void The_validator_refuses_what_the_API_server_would()
    {
        var (job, _, _) = Emit(new JobOptions("img", 2, 2, 1, 1, null));
        job["spec"]!["completionMode"] = "indexed";
        job["spec"]!["completions"] = "2";
        job["spec"]!["template"]!["spec"]!["containers"]![0]!["securityContext"]!["readOnlyRootFileSystem"] = true;
        ((JsonObject)job["spec"]!).Remove("template");
        var errors = BatchV1JobSchema.Validate(job);
        Assert.Contains(errors, e => e.Contains("completionMode", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("completions: expected integer", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("missing required field 'template'", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_pod_runs_its_index_as_a_shard_non_root_on_a_read_only_root_with_the_estimated_memory()
    {
        var (job, docs, files) = Emit(new JobOptions("img:1", 7, 7, 2, 1, null));
        var pod = job["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal(["sweep", "run"], args[..2]);
        Assert.Equal("$(JOB_COMPLETION_INDEX)/7", args[args.IndexOf("--shard") + 1]);
        Assert.Equal("/results", args[args.IndexOf("--out") + 1]);
        Assert.Equal("2", args[args.IndexOf("--threads") + 1]);
        var index = container["env"]!.AsArray().Single(e => (string?)e!["name"] == "JOB_COMPLETION_INDEX")!;
        Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", (string?)index["valueFrom"]!["fieldRef"]!["fieldPath"]);

        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        Assert.True((bool)container["securityContext"]!["readOnlyRootFilesystem"]!);
        var plan = SweepFile.Load(fx.SweepFile).Plan;
        Assert.Equal($"{IndexedJob.MemoryMi(plan, 2)}Mi", (string?)container["resources"]!["requests"]!["memory"]);
        Assert.True(IndexedJob.MemoryMi(plan, 2) * 1024 * 1024 * 0.6 >= plan.Cells.Max(c => c.EstimatedMemoryBytes), "the run guard inside the pod would refuse its cells");

        // The ConfigMap lays the files out as on disk: the sweep's relative scenario path holds under /sweep.
        var items = pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "sweep")!["configMap"]!["items"]!.AsArray();
        var paths = items.Select(i => "/sweep/" + (string?)i!["path"]).ToList();
        Assert.Contains(args[2], paths);
        Assert.Contains(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(args[2])!, "../list-storm.yaml")), paths);
        var data = (YamlMappingNode)OfKind(docs, "ConfigMap").Children[new YamlScalarNode("data")];
        foreach (var i in items)
            Assert.Equal(File.ReadAllText(Path.Combine(fx.Root, (string)i!["path"]!)), ((YamlScalarNode)data.Children[new YamlScalarNode((string)i!["key"]!)]).Value);
        Assert.Equal("ReadWriteMany", ((YamlScalarNode)((YamlSequenceNode)OfKind(docs, "PersistentVolumeClaim")["spec"]["accessModes"]).Children[0]).Value);

        var dockerfile = files.Single(f => f.Name == "Dockerfile").Text;
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", dockerfile);
        Assert.Contains("dotnet publish src/Cascade.Cli -c Release", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime:10.0", dockerfile);
        Assert.Contains("USER $APP_UID", dockerfile);
    }

    [Fact]
    public void A_claim_given_is_used_and_not_emitted_and_the_same_inputs_give_the_same_bytes()
    {
        var options = new JobOptions("img:1", 3, 3, 1, 0, "team-results");
        var (job, docs, files) = Emit(options);
        Assert.DoesNotContain(docs, d => ((YamlScalarNode)d.Children[new YamlScalarNode("kind")]).Value == "PersistentVolumeClaim");
        Assert.Equal("team-results", (string?)job["spec"]!["template"]!["spec"]!["volumes"]!.AsArray()
            .Single(v => (string?)v!["name"] == "results")!["persistentVolumeClaim"]!["claimName"]);
        Assert.Equal(files, Emit(options).Files);
    }
}
