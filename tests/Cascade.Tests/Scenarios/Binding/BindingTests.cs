using Cascade.Scenarios.Binding;
using YamlDotNet.RepresentationModel;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>What a correct file turns into.</summary>
public class BindingTests
{
    [Fact]
    public void Every_supported_type_binds_from_its_yaml_form()
    {
        const string yaml = """
            text: hello
            flag: true
            count: -42
            big: 5_000_000_000
            ratio: 0.25
            verb: delete-collection
            every: 1h30m
            memory: 64Gi
            maybeText: ~
            maybeFlag: false
            maybeCount: null
            maybeBig: 7
            maybeRatio: 1e3
            maybeVerb: WATCH
            maybeEvery: 250ms
            maybeMemory: 500m
            call: {verb: list, rate: 2}
            numbers: [1, 2, 3]
            calls:
              - verb: get
                every: 30
            weights: {b: 2, a: 1}
            labels: {zone: eu-1}
            manifest:
              apiVersion: v1
              kind: Pod
            x-custom: yes
            """;
        var e = YamlBinder.Load<EveryType>(yaml, "every.yaml");

        Assert.Equal(("hello", true, -42, 5_000_000_000L, 0.25), (e.Text, e.Flag, e.Count, e.Big, e.Ratio));
        Assert.Equal(Verb.DeleteCollection, e.Verb);
        Assert.Equal(90 * 60.0, e.Every.Seconds);
        Assert.Equal(64L << 30, e.Memory.Bytes);
        Assert.Null(e.MaybeText);
        Assert.False(e.MaybeFlag);
        Assert.Null(e.MaybeCount);
        Assert.Equal(7L, e.MaybeBig);
        Assert.Equal(1000.0, e.MaybeRatio);
        Assert.Equal(Verb.Watch, e.MaybeVerb);
        Assert.Equal(0.25, e.MaybeEvery!.Value.Seconds);
        Assert.Equal(0.5, e.MaybeMemory!.Value.Value);
        Assert.Equal((Verb.List, 2.0), (e.Call.Verb, e.Call.Rate));
        Assert.Equal([1, 2, 3], e.Numbers);
        Assert.Equal(Duration.FromSeconds(30), Assert.Single(e.Calls).Every);
        Assert.Equal(["b", "a"], e.Weights.Keys);
        Assert.Equal("eu-1", e.Labels["zone"]);
        Assert.Equal("Pod", ((YamlScalarNode)((YamlMappingNode)e.Manifest!)["kind"]).Value);
        Assert.Equal("yes", e.Custom);
    }

    [Fact]
    public void Fields_the_file_leaves_out_keep_their_defaults()
    {
        var s = Fixture.Load("cluster: {apiServer: {replicas: 5}}");

        Assert.Equal("unnamed", s.Name);
        Assert.Equal(10, s.Cluster.Nodes); // the parent's initializer, not TestCluster's own 3
        Assert.Equal(5, s.Cluster.ApiServer.Replicas);
        Assert.Equal(60, s.Cluster.ApiServer.RequestTimeout.Seconds);
        Assert.Empty(s.Workloads);
    }

    [Fact]
    public void An_empty_file_is_all_defaults()
    {
        var s = Fixture.Load("# nothing yet\n");
        Assert.Equal(10, s.Cluster.Nodes);
    }

    [Fact]
    public void A_string_field_takes_any_scalar_as_written()
    {
        var s = Fixture.Load("name: 1.30");
        Assert.Equal("1.30", s.Name);
    }

    [Fact]
    public void Maps_keep_the_order_of_the_file()
    {
        var s = Fixture.Load("labels: {zeta: 1, alpha: 2, mid: 3}");
        Assert.Equal(["zeta", "alpha", "mid"], s.Labels.Keys);
    }

    [Fact]
    public void An_embedded_object_keeps_its_positions_in_the_file()
    {
        var s = Fixture.Load("name: x\nmanifest:\n  kind: Pod\n");
        var kind = ((YamlMappingNode)s.Manifest!)["kind"];
        Assert.Equal((3L, 9L), (kind.Start.Line, kind.Start.Column));
    }

    [Fact]
    public void The_file_can_be_read_from_disk()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cascade-binder-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "name: from-disk\n");
        try
        {
            Assert.Equal("from-disk", YamlBinder.LoadFile<TestScenario>(path).Name);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
