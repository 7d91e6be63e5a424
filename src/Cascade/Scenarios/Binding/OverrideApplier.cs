using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// Puts an override's value into the node tree before binding. The path is checked against the schema
/// on the way down, so that a misspelt field is reported as the override's mistake (with a suggestion),
/// not as a stray field of the file. Missing mappings are created, and so is a missing list, which an
/// index then appends to; an index may be at most the list's length (equal appends). Below a YamlNode
/// property the schema says nothing, so any path is taken as given.
/// </summary>
internal static class OverrideApplier
{
    public static void Apply(YamlMappingNode root, SetOverride set, TypeShape rootShape, NodeOrigins origins)
    {
        origins.MarkOverride(set.Value, set.Text);
        Place(root, 0, rootShape, "", set, origins);
    }

    /// <summary>Returns the node that now stands at this place: the given one changed, or a new one.</summary>
    private static YamlNode Place(YamlNode? current, int depth, TypeShape? shape, string path, SetOverride set, NodeOrigins origins)
    {
        if (depth == set.Path.Count) return set.Value;
        var segment = set.Path[depth];
        if (current is not null && Scalars.IsNull(current)) current = null;

        if (segment.IsIndex)
        {
            var itemShape = shape switch
            {
                null or { Kind: ShapeKind.Node } => null,
                { Kind: ShapeKind.List } => shape.Element.Shape,
                _ => throw SetOverride.Malformed(set.Text, $"'{path}' is {shape.Expected}, not a list, so it has no [{segment.Index}]"),
            };
            var sequence = current switch
            {
                null => New(new YamlSequenceNode(), set, origins),
                YamlSequenceNode s => s,
                _ => throw SetOverride.Malformed(set.Text, $"'{path}' is {Scalars.Describe(current)} in the file, not a list"),
            };
            int count = sequence.Children.Count;
            var itemPath = FieldPath.Item(path, segment.Index);
            if (segment.Index < count)
                sequence.Children[segment.Index] = Place(sequence.Children[segment.Index], depth + 1, itemShape, itemPath, set, origins);
            else if (segment.Index == count)
                sequence.Children.Add(Place(null, depth + 1, itemShape, itemPath, set, origins));
            else
                throw SetOverride.Malformed(set.Text, $"index {segment.Index} is past the end of '{path}', which has {count} items ([{count}] appends)");
            return sequence;
        }

        var name = segment.Name!;
        var fieldShape = shape switch
        {
            null or { Kind: ShapeKind.Node } => null,
            { Kind: ShapeKind.Map } => shape.Element.Shape,
            { Kind: ShapeKind.Object } => shape.ByYamlName.TryGetValue(name, out var property)
                ? property.Slot.Shape
                : throw SetOverride.Malformed(set.Text, Naming.Unknown("field", name, shape.ByYamlName.Keys, path.Length > 0 ? $" in '{path}'" : "")),
            _ => throw SetOverride.Malformed(set.Text, $"'{path}' is {shape.Expected}, so it has no field '{name}'"),
        };
        var mapping = current switch
        {
            null => New(new YamlMappingNode(), set, origins),
            YamlMappingNode m => m,
            _ => throw SetOverride.Malformed(set.Text, $"'{path}' is {Scalars.Describe(current)} in the file, not a mapping"),
        };
        var fieldPath = FieldPath.Child(path, name);
        var key = mapping.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == name);
        if (key is not null)
            mapping.Children[key] = Place(mapping.Children[key], depth + 1, fieldShape, fieldPath, set, origins);
        else
            mapping.Add(New(new YamlScalarNode(name), set, origins), Place(null, depth + 1, fieldShape, fieldPath, set, origins));
        return mapping;
    }

    private static T New<T>(T node, SetOverride set, NodeOrigins origins) where T : YamlNode
    {
        origins.MarkOverride(node, set.Text);
        return node;
    }
}
