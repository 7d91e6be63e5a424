using System.Collections;
using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>An object filled from a mapping, remembered so that validation can point into the file.</summary>
internal sealed record BoundObject(object Target, TypeShape Shape, YamlMappingNode Node, string Path, Dictionary<string, (YamlNode Key, YamlNode Value)> Present);

/// <summary>
/// Fills a schema object graph from a YAML node tree. A mistake is recorded and binding goes on with the
/// next field, so that one run reports every mistake; the field in error keeps its default.
/// </summary>
internal sealed class ObjectBinder(NodeOrigins origins, ErrorList errors, string? baseDirectory = null)
{
    private readonly List<BoundObject> bound = [];

    /// <summary>Objects in the order they finished binding: each after all the objects inside it.</summary>
    public IReadOnlyList<BoundObject> Bound => bound;

    public void BindRoot(YamlMappingNode root, TypeShape shape, object target, IReadOnlySet<string> skipKeys) =>
        BindObject(root, shape, "", target, skipKeys);

    public void Validate()
    {
        foreach (var b in bound)
        {
            if (b.Target is not IValidatable validatable) continue;
            try
            {
                validatable.Validate(new ValidationContext(b, origins, baseDirectory));
            }
            catch (InputException e)
            {
                errors.Add(e);
            }
        }
    }

    private bool TryBind(YamlNode node, Slot slot, string path, object? existing, out object? value)
    {
        value = null;
        var shape = slot.Shape;
        if (Scalars.IsNull(node))
        {
            if (slot.Nullable) return true;
            var hint = shape.Kind == ShapeKind.Object ? " (leave the field out to keep its defaults)" : "";
            return Fail(node, path, $"expected {shape.Expected}, got null{hint}");
        }
        switch (shape.Kind)
        {
            case ShapeKind.Object when node is YamlMappingNode map:
                value = BindObject(map, shape, path, existing, skipKeys: null);
                return true;
            case ShapeKind.List when node is YamlSequenceNode sequence:
                value = BindList(sequence, shape, path);
                return true;
            case ShapeKind.Map when node is YamlMappingNode map:
                value = BindMap(map, shape, path);
                return true;
            case ShapeKind.Node when shape.Type.IsInstanceOfType(node):
                value = node;
                return true;
            case ShapeKind.Object or ShapeKind.List or ShapeKind.Map or ShapeKind.Node:
                return Fail(node, path, $"expected {shape.Expected}, got {Scalars.Describe(node)}");
        }
        if (node is YamlScalarNode scalar) return TryScalar(scalar, shape, path, out value);
        return Fail(node, path, $"expected {shape.Expected}, got {Scalars.Describe(node)}");
    }

    private object BindObject(YamlMappingNode map, TypeShape shape, string path, object? existing, IReadOnlySet<string>? skipKeys)
    {
        // Into the existing instance when there is one, so that defaults a parent's initializer gave
        // its child survive a file that sets only some of the child's fields.
        var target = existing ?? Activator.CreateInstance(shape.Type)!;
        var present = new Dictionary<string, (YamlNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } name } || Scalars.IsNull(keyNode))
            {
                Fail(keyNode, path, $"a field name must be a plain word, got {Scalars.Describe(keyNode)}");
                continue;
            }
            var fieldPath = FieldPath.Child(path, name);
            if (skipKeys is not null && skipKeys.Contains(name)) continue;
            if (!shape.ByYamlName.TryGetValue(name, out var property))
            {
                Fail(keyNode, fieldPath, Naming.Unknown("field", name, shape.ByYamlName.Keys));
                continue;
            }
            present[name] = (keyNode, valueNode);
            var current = property.Slot.Shape.Kind == ShapeKind.Object ? property.Info.GetValue(target) : null;
            if (TryBind(valueNode, property.Slot, fieldPath, current, out var value) && InRange(property, valueNode, fieldPath, value)
                && NotZero(property, valueNode, fieldPath, value))
                property.Info.SetValue(target, value);
        }

        foreach (var property in shape.Properties)
        {
            if (!property.Required) continue;
            if (!present.TryGetValue(property.YamlName, out var entry))
                Fail(map, FieldPath.Child(path, property.YamlName), $"missing required field '{property.YamlName}'");
            else if (Scalars.IsNull(entry.Value) && property.Slot.Nullable)
                Fail(entry.Value, FieldPath.Child(path, property.YamlName), $"'{property.YamlName}' is required and may not be null");
        }
        foreach (var group in shape.OneOf)
        {
            string? first = null;
            foreach (var property in group)
            {
                if (!present.TryGetValue(property.YamlName, out var entry) || Scalars.IsNull(entry.Value)) continue;
                if (first is null)
                {
                    first = property.YamlName;
                    continue;
                }
                var names = string.Join(", ", group.Select(p => p.YamlName));
                Fail(entry.Key, FieldPath.Child(path, property.YamlName), $"'{first}' and '{property.YamlName}' cannot both be set (at most one of: {names})");
            }
        }

        bound.Add(new BoundObject(target, shape, map, path, present));
        return target;
    }

    private object BindList(YamlSequenceNode sequence, TypeShape shape, string path)
    {
        var list = (IList)Activator.CreateInstance(shape.Concrete!)!;
        for (int i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (TryBind(item, shape.Element, FieldPath.Item(path, i), null, out var value)) list.Add(value);
        }
        return list;
    }

    private object BindMap(YamlMappingNode map, TypeShape shape, string path)
    {
        var dictionary = (IDictionary)Activator.CreateInstance(shape.Concrete!)!;
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } || Scalars.IsNull(keyNode))
            {
                Fail(keyNode, path, $"a key must be a string, got {Scalars.Describe(keyNode)}");
                continue;
            }
            if (TryBind(valueNode, shape.Element, FieldPath.Child(path, key), null, out var value)) dictionary.Add(key, value);
        }
        return dictionary;
    }

    private bool TryScalar(YamlScalarNode node, TypeShape shape, string path, out object? value)
    {
        value = null;
        var text = node.Value ?? "";
        bool isString = Scalars.IsString(node);
        string? error = null;
        switch (shape.Kind)
        {
            case ShapeKind.String:
                value = text;
                break;
            case ShapeKind.Bool when !isString && Scalars.TryBool(text, out var b):
                value = b;
                break;
            case ShapeKind.Int32 or ShapeKind.Int64 when !isString && Scalars.TryInteger(text, out var integer):
                bool fits = shape.Kind == ShapeKind.Int64 ? integer.HasValue : integer is >= int.MinValue and <= int.MaxValue;
                if (!fits)
                {
                    var (min, max) = shape.Kind == ShapeKind.Int64 ? (long.MinValue, long.MaxValue) : (int.MinValue, int.MaxValue);
                    error = $"{text} is out of range ({min} to {max})";
                }
                else value = shape.Kind == ShapeKind.Int64 ? integer!.Value : (object)(int)integer!.Value;
                break;
            case ShapeKind.Double when !isString && Scalars.TryNumber(text, out var number):
                value = number;
                break;
            case ShapeKind.Enum:
                value = ParseEnum(shape, text);
                break;
            case ShapeKind.Duration:
                if (!Duration.TryParse(text, out var duration, out var durationError)) error = durationError;
                else if (duration.Ticks < 0) error = $"must not be negative, got {text}";
                else value = duration;
                break;
            case ShapeKind.Quantity:
                if (!Quantity.TryParse(text, out var quantity, out var quantityError)) error = quantityError;
                else if (quantity.Value < 0) error = $"must not be negative, got {text}";
                else if (quantity.Value > Quantity.MaxValue) error = $"must be at most {Quantity.MaxText}, got {text}";
                else value = quantity;
                break;
        }
        if (value is not null) return true;
        if (error is null)
        {
            var hint = isString && shape.Kind is not ShapeKind.Enum ? " (write it without quotes)" : "";
            error = $"expected {shape.Expected}, got {Scalars.Describe(node)}{hint}";
            if (shape.Kind == ShapeKind.Enum && Naming.Closest(text, shape.EnumNames) is { } close) error += $" (did you mean '{close}'?)";
        }
        return Fail(node, path, error);
    }

    /// <summary>Exact, camelCase or kebab-case, any letter case: "LogNormal", "logNormal", "log-normal".</summary>
    private static object? ParseEnum(TypeShape shape, string text)
    {
        var wanted = text.Replace("-", "").Replace("_", "");
        if (wanted.Length == 0 || char.IsAsciiDigit(wanted[0]) || wanted[0] == '+') return null;
        foreach (var name in Enum.GetNames(shape.Type))
            if (string.Equals(name.Replace("_", ""), wanted, StringComparison.OrdinalIgnoreCase)) return Enum.Parse(shape.Type, name);
        return null;
    }

    private bool InRange(PropertyShape property, YamlNode node, string path, object? value)
    {
        if (property.Range is not { } range || value is null) return true;
        double x = value switch
        {
            int i => i,
            long l => l,
            double d => d,
            Duration d => d.Seconds,
            Quantity q => q.Value,
            _ => throw new InvalidOperationException($"[Range] on {value.GetType()}"),
        };
        if (x >= range.Min && x <= range.Max) return true;
        string Show(double bound) => value switch
        {
            Duration => Duration.FromSeconds(bound).ToString(),
            Quantity => new Quantity(bound).ToString(),
            _ => bound.ToString(CultureInfo.InvariantCulture),
        };
        var allowed = double.IsNegativeInfinity(range.Min) ? $"at most {Show(range.Max)}"
            : double.IsPositiveInfinity(range.Max) ? $"at least {Show(range.Min)}"
            : $"between {Show(range.Min)} and {Show(range.Max)}";
        return Fail(node, path, $"must be {allowed}, got {((YamlScalarNode)node).Value}");
    }

    /// <summary>A duration of 0 only where the schema says it means something (<see cref="ZeroAllowedAttribute"/>) or a [Range] allows it.</summary>
    private bool NotZero(PropertyShape property, YamlNode node, string path, object? value)
    {
        if (value is not Duration { Ticks: 0 } || property.ZeroAllowed || property.Range is not null) return true;
        return Fail(node, path, $"must be longer than 0, got {((YamlScalarNode)node).Value}");
    }

    private bool Fail(YamlNode node, string path, string message)
    {
        errors.Add(origins.Of(node), path, message);
        return false;
    }
}
