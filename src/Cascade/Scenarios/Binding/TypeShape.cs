using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

internal enum ShapeKind { String, Bool, Int32, Int64, Double, Enum, Duration, Quantity, Node, Object, List, Map }

/// <summary>A place a value goes (a property, a list item, a map value) and whether null may go there.</summary>
internal readonly record struct Slot(TypeShape Shape, bool Nullable);

internal sealed record PropertyShape(PropertyInfo Info, string YamlName, Slot Slot, bool Required, RangeAttribute? Range, bool ZeroAllowed);

/// <summary>What the binder needs to know of a C# type, worked out once from reflection (see <see cref="Schema"/>).</summary>
internal sealed class TypeShape(Type type, ShapeKind kind)
{
    /// <summary>The type without Nullable&lt;&gt;.</summary>
    public Type Type { get; } = type;
    public ShapeKind Kind { get; } = kind;

    /// <summary>List items or map values.</summary>
    public Slot Element { get; init; }

    /// <summary>For List and Map: the type to create (List&lt;T&gt;, Dictionary or OrderedDictionary).</summary>
    public Type? Concrete { get; init; }

    // Object only; filled after construction because a class may contain itself.
    public List<PropertyShape> Properties { get; } = [];
    public Dictionary<string, PropertyShape> ByYamlName { get; } = new(StringComparer.Ordinal);
    public List<PropertyShape[]> OneOf { get; } = [];

    // Enum only: the names as written in YAML, in declaration order.
    public string[] EnumNames { get; init; } = [];

    public string Expected => Kind switch
    {
        ShapeKind.String => "a string",
        ShapeKind.Bool => "true or false",
        ShapeKind.Int32 or ShapeKind.Int64 => "an integer",
        ShapeKind.Double => "a number",
        ShapeKind.Enum => "one of " + string.Join(", ", EnumNames),
        ShapeKind.Duration => "a duration (like 30s, 5m, 1h30m)",
        ShapeKind.Quantity => "a quantity (like 512Mi, 1.5G, 500m)",
        ShapeKind.Node when Type == typeof(YamlMappingNode) => "a mapping",
        ShapeKind.Node when Type == typeof(YamlSequenceNode) => "a list",
        ShapeKind.Node when Type == typeof(YamlScalarNode) => "a scalar",
        ShapeKind.Node => "a YAML value",
        ShapeKind.List => "a list",
        _ => "a mapping",
    };

    public PropertyShape? FindProperty(string name)
    {
        if (ByYamlName.TryGetValue(name, out var byYaml)) return byYaml;
        foreach (var p in Properties)
            if (p.Info.Name == name) return p;
        return null;
    }
}
