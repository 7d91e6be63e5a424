using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// Finds where a field path, as `--set` writes it (`clusters[0].nodes`, `duration`), is written in a
/// scenario file, for messages about a file that has already loaded. Anchors and aliases are followed as
/// the loader follows them; a path the file does not write (a default, or an override) has no place.
/// </summary>
public static partial class YamlPathLocator
{
    /// <summary>The 1-based line and column of the value at <paramref name="path"/> in <paramref name="file"/>, or (0, 0).</summary>
    public static (int Line, int Column) Locate(string file, string path)
    {
        if (!File.Exists(file) || !YamlText.TryLoad(TextFile.ReadUtf8(file), out var stream, out _, out _) || stream.Documents.Count != 1)
            return (0, 0);
        YamlNode? node = stream.Documents[0].RootNode;
        foreach (Match m in Segment().Matches(path))
        {
            if (node is YamlMappingNode map)
                node = map.Children.TryGetValue(new YamlScalarNode(m.Groups[1].Value), out var child) ? child : null;
            else node = null;
            if (node is null) return (0, 0);
            if (m.Groups[2].Success)
            {
                int i = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (node is not YamlSequenceNode seq || i >= seq.Children.Count) return (0, 0);
                node = seq.Children[i];
            }
        }
        return ((int)node.Start.Line, (int)node.Start.Column);
    }

    [GeneratedRegex(@"([^.\[\]]+)(?:\[(\d+)\])?")]
    private static partial Regex Segment();
}
