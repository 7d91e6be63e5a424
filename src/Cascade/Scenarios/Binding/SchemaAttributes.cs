namespace Cascade.Scenarios.Binding;

// What a schema class can say about its properties beyond their types. The binder reads these; the
// schema classes stay plain data with defaults in their initializers.

/// <summary>The field must be present in the file (or set by --set), and not null.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>Inclusive bounds for a number, a <see cref="Duration"/> (in seconds) or a <see cref="Quantity"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(double min, double max) : Attribute
{
    public double Min { get; } = min;
    public double Max { get; } = max;
}

/// <summary>
/// A <see cref="Duration"/> of 0 means something here (no delay, no cache, at once). Elsewhere the binder
/// refuses 0 (a period of 0 would loop without end, a timeout of 0 fails everything), and everywhere a
/// negative duration, which would schedule in the past.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ZeroAllowedAttribute : Attribute;

/// <summary>The field's name in YAML, when camelCase of the C# name is not it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class YamlNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>At most one of these properties (C# names) may be set in one object.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class OneOfAttribute(params string[] propertyNames) : Attribute
{
    public IReadOnlyList<string> PropertyNames { get; } = propertyNames;
}
