using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// Loads a YAML file into a schema class graph, strictly: every field must be known, every value of the
/// right type, and every mistake is an <see cref="InputException"/> that names the file, line, column and
/// field path. Works on any graph of plain classes with public get/set properties; see
/// docs/scenario-format.md for the rules a user sees.
/// </summary>
/// <remarks>
/// The steps, in order: parse the file; parse every --set override; apply the overrides to the node tree
/// in order (later ones win); check apiVersion and kind if asked; bind, collecting every mistake; then,
/// only if binding found none, call <see cref="IValidatable.Validate"/> on the objects, collecting again.
/// A malformed file, override or header stops at the first mistake, since what follows it is guesswork.
/// </remarks>
public static class YamlBinder
{
    /// <param name="baseDirectory">What relative paths in the file are relative to, for <see cref="ValidationContext.BaseDirectory"/>.</param>
    public static T Load<T>(string yamlText, string fileName, IReadOnlyList<string>? setOverrides = null,
        string? expectedApiVersion = null, string? expectedKind = null, string? baseDirectory = null) where T : new()
    {
        var shape = Schema.For(typeof(T));
        var overrides = (setOverrides ?? []).Select(SetOverride.Parse).ToList();
        var origins = new NodeOrigins(fileName);
        var root = ReadDocument(yamlText, origins);
        foreach (var set in overrides) OverrideApplier.Apply(root, set, shape, origins);
        var header = CheckHeader(root, shape, origins, expectedApiVersion, expectedKind);

        var errors = new ErrorList();
        var binder = new ObjectBinder(origins, errors, baseDirectory);
        var result = new T();
        binder.BindRoot(root, shape, result, header);
        errors.ThrowIfAny();
        binder.Validate();
        errors.ThrowIfAny();
        return result;
    }

    /// <summary>As <see cref="Load{T}"/>, naming the file by <paramref name="path"/> as given.</summary>
    public static T LoadFile<T>(string path, IReadOnlyList<string>? setOverrides = null,
        string? expectedApiVersion = null, string? expectedKind = null) where T : new()
    {
        var text = TextFile.ReadUtf8(path);
        return Load<T>(text, path, setOverrides, expectedApiVersion, expectedKind, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    private static YamlMappingNode ReadDocument(string text, NodeOrigins origins)
    {
        if (!YamlText.TryLoad(text, out var stream, out var error, out var mark))
            throw new InputException(error, origins.FileName, (int)mark.Line, (int)mark.Column);
        if (stream.Documents.Count == 0)
        {
            // An empty file is an empty mapping: all defaults, and Required fields reported as missing.
            var empty = new YamlMappingNode();
            origins.MarkSynthetic(empty);
            return empty;
        }
        if (stream.Documents.Count > 1)
        {
            var second = origins.Of(stream.Documents[1].RootNode);
            throw new InputException($"expected one YAML document, found {stream.Documents.Count}", second.File, second.Line, second.Column);
        }
        var root = stream.Documents[0].RootNode;
        if (root is YamlMappingNode mapping) return mapping;
        var at = origins.Of(root);
        throw new InputException($"expected a mapping of fields at the top, got {Scalars.Describe(root)}", at.File, at.Line, at.Column);
    }

    /// <summary>
    /// Checks apiVersion and kind when asked to, before binding, because the rest of a file of another
    /// kind or version would only yield a screenful of "unknown field". Returns the header fields the
    /// schema does not itself declare, for the binder to pass over.
    /// </summary>
    private static HashSet<string> CheckHeader(YamlMappingNode root, TypeShape shape, NodeOrigins origins, string? apiVersion, string? kind)
    {
        var skip = new HashSet<string>(StringComparer.Ordinal);
        var errors = new ErrorList();
        foreach (var (field, expected) in new[] { ("apiVersion", apiVersion), ("kind", kind) })
        {
            if (expected is null) continue;
            if (!shape.ByYamlName.ContainsKey(field)) skip.Add(field);
            var value = root.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: var k } && k == field).Value;
            if (value is null)
                errors.Add(origins.Of(root), field, $"missing '{field}: {expected}'");
            else if (value is not YamlScalarNode { Value: var actual } || actual != expected)
                errors.Add(origins.Of(value), field, $"expected '{expected}', got {Scalars.Describe(value)}");
        }
        errors.ThrowIfAny();
        return skip;
    }
}
