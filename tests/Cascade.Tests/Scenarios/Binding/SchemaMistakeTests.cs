using Cascade.Scenarios.Binding;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>A schema the binder cannot serve is the programmer's mistake, found on first use.</summary>
public class SchemaMistakeTests
{
    public sealed class WithObject
    {
        public List<object> Things { get; set; } = [];
    }

    public sealed class WithNameClash
    {
        public int Replicas { get; set; }
        [YamlName("replicas")] public int Count { get; set; }
    }

    [Fact]
    public void An_unsupported_property_type_fails_even_when_the_file_does_not_use_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() => YamlBinder.Load<WithObject>("", "x.yaml"));
        Assert.Contains("WithObject.Things", e.Message);
    }

    [Fact]
    public void Two_properties_with_one_yaml_name_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => YamlBinder.Load<WithNameClash>("", "x.yaml"));
    }

    public sealed class ZeroOnInt { [ZeroAllowed] public int Count { get; set; } }
    public sealed class RangeOnString { [Range(0, 1)] public string Text { get; set; } = ""; }
    public sealed class RangeOnEnum { [Range(0, 1)] public Verb Verb { get; set; } }
    public sealed class NoDefaultConstructor(int x) { public int X { get; set; } = x; }
    public sealed class WithNoDefault { public NoDefaultConstructor Inner { get; set; } = new(1); }
    public abstract class AbstractThing { public int X { get; set; } }
    public sealed class WithAbstract { public AbstractThing? Inner { get; set; } }
    public sealed class WithStruct { public KeyValuePair<string, int> Pair { get; set; } }
    public sealed class WithIntKeys { public Dictionary<int, string> Map { get; set; } = []; }
    [OneOf("A", "Missing")] public sealed class BadOneOf { public int? A { get; set; } }

    /// <summary>What the binder reads and what it leaves alone: every supported shape, and the properties no file sets.</summary>
    public sealed class Supported
    {
        public string S { get; set; } = "";
        public bool B { get; set; }
        public int I { get; set; }
        public long L { get; set; }
        [Range(0, 10)] public double D { get; set; }
        [Range(0, 10), ZeroAllowed] public Duration T { get; set; }
        [Range(0, 10)] public Quantity Q { get; set; }
        [Range(0, 10)] public int? N { get; set; }
        public IList<int> List1 { get; set; } = [];
        public IReadOnlyList<string> List2 { get; set; } = [];
        public IDictionary<string, int> Map1 { get; set; } = new Dictionary<string, int>();
        public IReadOnlyDictionary<string, int> Map2 { get; set; } = new Dictionary<string, int>();
        public Dictionary<string, int> Map3 { get; set; } = [];
        public string? Maybe { get; set; }
        public int GetOnly => 5;
        public int PrivateSet { get; private set; }
        public int this[int i] { get => i; set { } }
        [YamlName("renamed")] public int Other { get; set; }
    }

    [Theory]
    [InlineData(typeof(ZeroOnInt), "ZeroOnInt.Count: [ZeroAllowed] applies to Duration")]
    [InlineData(typeof(RangeOnString), "RangeOnString.Text: [Range] applies to numbers, Duration and Quantity")]
    [InlineData(typeof(RangeOnEnum), "RangeOnEnum.Verb: [Range] applies to numbers")]
    [InlineData(typeof(WithNoDefault), "must be a class with a public parameterless constructor")]
    [InlineData(typeof(WithAbstract), "must be a class with a public parameterless constructor")]
    [InlineData(typeof(WithStruct), "WithStruct.Pair: YamlBinder cannot bind")]
    [InlineData(typeof(WithIntKeys), "WithIntKeys.Map: YamlBinder cannot bind")]
    [InlineData(typeof(BadOneOf), "BadOneOf: [OneOf] names 'Missing', which is not a bindable property")]
    public void A_schema_the_binder_cannot_serve_names_the_property_and_the_rule(Type type, string message)
    {
        var load = typeof(YamlBinder).GetMethods().Single(m => m.Name == nameof(YamlBinder.Load) && m.IsGenericMethod).MakeGenericMethod(type);
        var e = Assert.Throws<System.Reflection.TargetInvocationException>(() => load.Invoke(null, ["", "x.yaml", null, null, null, null]));
        var inner = Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains(message, inner.Message);
    }

    [Fact]
    public void Every_supported_shape_binds_and_properties_no_file_sets_are_not_fields()
    {
        var s = YamlBinder.Load<Supported>("""
            s: x
            b: true
            i: 3
            l: 4
            d: 5.5
            t: 0s
            q: 7
            n: ~
            list1: [1, 2]
            list2: [a]
            map1: {a: 1}
            map2: {b: 2}
            map3: {c: 3}
            maybe: ~
            renamed: 9
            """, "x.yaml");
        Assert.Equal(("x", true, 3, 4L, 5.5, 0L, 7.0, (int?)null), (s.S, s.B, s.I, s.L, s.D, s.T.Ticks, s.Q.Value, s.N));
        Assert.Equal([1, 2], s.List1);
        Assert.Equal(["a"], s.List2);
        Assert.Equal((1, 2, 3), (s.Map1["a"], s.Map2["b"], s.Map3["c"]));
        Assert.Null(s.Maybe);
        Assert.Equal(9, s.Other);
        foreach (var notAField in new[] { "getOnly: 1", "privateSet: 1", "other: 1", "item: 1" })
            Assert.StartsWith("unknown field", Assert.Throws<InputException>(() => YamlBinder.Load<Supported>(notAField, "x.yaml")).Message);
        Assert.Equal("expected a string, got null", Assert.Throws<InputException>(() => YamlBinder.Load<Supported>("s: ~", "x.yaml")).Message);
        Assert.Equal("must be between 0 and 10, got 11", Assert.Throws<InputException>(() => YamlBinder.Load<Supported>("n: 11", "x.yaml")).Message);
    }
}
