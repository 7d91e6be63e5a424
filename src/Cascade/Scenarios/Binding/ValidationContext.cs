using System.Diagnostics.CodeAnalysis;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// What <see cref="IValidatable.Validate"/> gets: where the object is, which of its fields the file set,
/// and <see cref="Fail(string, string)"/> to report a mistake at the right line.
/// </summary>
public sealed class ValidationContext
{
    private readonly BoundObject bound;
    private readonly NodeOrigins origins;

    internal ValidationContext(BoundObject bound, NodeOrigins origins, string? baseDirectory = null)
    {
        this.bound = bound;
        this.origins = origins;
        BaseDirectory = baseDirectory;
    }

    /// <summary>The folder of the file being loaded, which relative paths in it are relative to; null when the text came from no file.</summary>
    public string? BaseDirectory { get; }

    /// <summary>The object's path in the document ("workloads[2]"); empty for the root.</summary>
    public string Path => bound.Path;

    /// <summary>Whether the file or --set gave this property (C# or YAML name), as opposed to its default.</summary>
    public bool IsSet(string propertyName) => bound.Present.ContainsKey(Resolve(propertyName).YamlName);

    /// <summary>
    /// Fails when the file or --set gave <paramref name="propertyName"/> to an object whose <paramref name="kind"/> does
    /// not read it (an action's or a fault's field meant for another kind): such a value would change nothing, and a
    /// sweep or an unknown over it would report a result that never moved. The message names the kinds that read it.
    /// </summary>
    public void OnlyFor<TKind>(string propertyName, TKind kind, IReadOnlyList<TKind> readBy) where TKind : struct, Enum
    {
        if (readBy.Contains(kind) || !IsSet(propertyName)) return;
        var names = readBy.Select(k => Naming.CamelCase(k.ToString())).ToList();
        string list = names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} and {names[^1]}";
        Fail(propertyName, $"`{Resolve(propertyName).YamlName}` is for {list}, not {Naming.CamelCase(kind.ToString())}");
    }

    /// <summary>
    /// Throws an <see cref="InputException"/> located at the property's value, or at the object when the
    /// property was not in the file. The binder collects it with any others.
    /// </summary>
    [DoesNotReturn]
    public void Fail(string propertyName, string message)
    {
        var property = Resolve(propertyName);
        var node = bound.Present.TryGetValue(property.YamlName, out var entry) ? entry.Value : bound.Node;
        var at = origins.Of(node);
        throw new InputException(message, at.File, at.Line, at.Column, FieldPath.Child(bound.Path, property.YamlName));
    }

    /// <summary>
    /// Throws an <see cref="InputException"/> located at field <paramref name="field"/> (its YAML name) of item
    /// <paramref name="index"/> of list property <paramref name="listProperty"/>: for rules that need the whole
    /// document ("a fault names a cluster of the scenario"). Falls back to the item, then the list.
    /// </summary>
    /// <remarks>With <paramref name="item"/>, at that item of the list <paramref name="field"/> ("products[0].calls[1]").</remarks>
    [DoesNotReturn]
    public void FailAt(string listProperty, int index, string field, string message, int item = -1)
    {
        var list = Resolve(listProperty);
        YamlNode node = bound.Node;
        if (bound.Present.TryGetValue(list.YamlName, out var entry))
        {
            node = entry.Value;
            if (entry.Value is YamlSequenceNode seq && index < seq.Children.Count)
            {
                node = seq.Children[index];
                if (node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(field), out var value))
                {
                    node = value;
                    if (item >= 0 && value is YamlSequenceNode items && item < items.Children.Count) node = items.Children[item];
                }
            }
        }
        var at = origins.Of(node);
        var path = FieldPath.Child(FieldPath.Item(FieldPath.Child(bound.Path, list.YamlName), index), field);
        throw new InputException(message, at.File, at.Line, at.Column, item >= 0 ? FieldPath.Item(path, item) : path);
    }

    /// <summary>Throws an <see cref="InputException"/> located at item <paramref name="index"/> of list property <paramref name="listProperty"/> ("seeds[2]").</summary>
    [DoesNotReturn]
    public void FailAtItem(string listProperty, int index, string message)
    {
        var list = Resolve(listProperty);
        YamlNode node = bound.Node;
        if (bound.Present.TryGetValue(list.YamlName, out var entry))
            node = entry.Value is YamlSequenceNode seq && index < seq.Children.Count ? seq.Children[index] : entry.Value;
        var at = origins.Of(node);
        throw new InputException(message, at.File, at.Line, at.Column, FieldPath.Item(FieldPath.Child(bound.Path, list.YamlName), index));
    }

    /// <summary>
    /// Throws an <see cref="InputException"/> located at field <paramref name="field"/> (its YAML name) of the object
    /// in property <paramref name="objectProperty"/> ("rollout.change"). Falls back to the object, then this one.
    /// </summary>
    [DoesNotReturn]
    public void FailAt(string objectProperty, string field, string message)
    {
        var child = Resolve(objectProperty);
        YamlNode node = bound.Node;
        if (bound.Present.TryGetValue(child.YamlName, out var entry))
        {
            node = entry.Value;
            if (node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(field), out var value)) node = value;
        }
        var at = origins.Of(node);
        throw new InputException(message, at.File, at.Line, at.Column, FieldPath.Child(FieldPath.Child(bound.Path, child.YamlName), field));
    }

    /// <summary>Throws an <see cref="InputException"/> about the object as a whole.</summary>
    [DoesNotReturn]
    public void Fail(string message)
    {
        var at = origins.Of(bound.Node);
        throw new InputException(message, at.File, at.Line, at.Column, bound.Path.Length == 0 ? null : bound.Path);
    }

    private PropertyShape Resolve(string propertyName) =>
        bound.Shape.FindProperty(propertyName)
        ?? throw new ArgumentException($"{bound.Shape.Type.Name} has no bindable property '{propertyName}'", nameof(propertyName));
}
