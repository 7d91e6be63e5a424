// TEMPORARY stand-in for the binder being written on branch `scenarios`; deleted at merge.
using Cascade.Engine;
namespace Cascade.Scenarios.Binding;
public readonly record struct Duration(long Ticks)
{
    public double Seconds => Ticks / (double)SimTime.TicksPerSecond;
    public static Duration FromSeconds(double s) => new(SimTime.FromSeconds(s));
}
public readonly record struct Quantity(double Value)
{
    public long Bytes => (long)Value;
}
[AttributeUsage(AttributeTargets.Property)] public sealed class RequiredAttribute : Attribute;
[AttributeUsage(AttributeTargets.Property)] public sealed class RangeAttribute(double min, double max) : Attribute { public double Min => min; public double Max => max; }
public static class YamlBinder
{
    public static T LoadFile<T>(string path, IReadOnlyList<string>? setOverrides = null) where T : new() => throw new NotImplementedException();
}
