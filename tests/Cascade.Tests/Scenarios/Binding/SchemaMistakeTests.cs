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
}
