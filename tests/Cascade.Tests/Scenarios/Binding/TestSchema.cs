using Cascade.Scenarios.Binding;
using YamlDotNet.RepresentationModel;

namespace Cascade.Tests.Scenarios.Binding;

// A small scenario-like schema, standing in for the real one so these tests do not move with it.

public enum Verb { Get, List, Watch, DeleteCollection }

public sealed class TestScenario
{
    public string Name { get; set; } = "unnamed";
    // A parent's initializer customizing a child: the file setting other child fields must keep it.
    public TestCluster Cluster { get; set; } = new() { Nodes = 10 };
    public List<TestWorkload> Workloads { get; set; } = [];
    public OrderedDictionary<string, string> Labels { get; set; } = [];
    public YamlNode? Manifest { get; set; }
}

public sealed class TestCluster
{
    [Range(1, 100_000)] public int Nodes { get; set; } = 3;
    public TestApiServer ApiServer { get; set; } = new();
}

public sealed class TestApiServer
{
    [Range(1, 9)] public int Replicas { get; set; } = 3;
    [Range(1, 3600)] public Duration RequestTimeout { get; set; } = Duration.Parse("60s");
    [Range(0, double.PositiveInfinity)] public double MaxQps { get; set; } = 400;
    [Range(0, 1L << 40)] public Quantity Memory { get; set; } = Quantity.Parse("16Gi");
}

public sealed class TestWorkload
{
    [Required] public string Name { get; set; } = "";
    public int Replicas { get; set; } = 1;
    public List<TestCall> Calls { get; set; } = [];
    public TestAutoscaler? Autoscaler { get; set; }
}

[OneOf(nameof(Every), nameof(Rate))]
public sealed class TestCall
{
    public Verb Verb { get; set; } = Verb.Get;
    public Duration? Every { get; set; }
    public double? Rate { get; set; }
}

public sealed class TestAutoscaler : IValidatable
{
    public int Min { get; set; } = 1;
    public int Max { get; set; } = 10;

    public void Validate(ValidationContext ctx)
    {
        if (Min > Max) ctx.Fail(nameof(Max), $"must be at least min ({Min}), got {Max}");
    }
}

/// <summary>One property of every supported type.</summary>
public sealed class EveryType
{
    public string Text { get; set; } = "";
    public bool Flag { get; set; }
    public int Count { get; set; }
    public long Big { get; set; }
    public double Ratio { get; set; }
    public Verb Verb { get; set; }
    public Duration Every { get; set; }
    public Quantity Memory { get; set; }
    public string? MaybeText { get; set; } = "set";
    public bool? MaybeFlag { get; set; } = true;
    public int? MaybeCount { get; set; } = 1;
    public long? MaybeBig { get; set; }
    public double? MaybeRatio { get; set; }
    public Verb? MaybeVerb { get; set; }
    public Duration? MaybeEvery { get; set; }
    public Quantity? MaybeMemory { get; set; }
    public TestCall Call { get; set; } = new();
    public List<int> Numbers { get; set; } = [];
    public IReadOnlyList<TestCall> Calls { get; set; } = [];
    public Dictionary<string, int> Weights { get; set; } = [];
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();
    public YamlNode? Manifest { get; set; }
    [YamlName("x-custom")] public string Custom { get; set; } = "";
}
