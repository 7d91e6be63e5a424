using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>Where a mistake is: a file and a 1-based line and column, or an override with no line.</summary>
internal readonly record struct Location(string File, int Line, int Column);

/// <summary>
/// Which nodes of the tree did not come from the file: those an --set override put there (their marks
/// count from the start of the override's value, so a file line would be a lie) and the empty mapping
/// that stands for an empty file.
/// </summary>
internal sealed class NodeOrigins(string fileName)
{
    private readonly Dictionary<YamlNode, string> placedBy = new(ReferenceEqualityComparer.Instance);

    public string FileName => fileName;

    public void MarkOverride(YamlNode node, string overrideText)
    {
        foreach (var n in node.AllNodes) placedBy[n] = overrideText;
    }

    public void MarkSynthetic(YamlNode node) => placedBy[node] = "";

    public Location Of(YamlNode node)
    {
        if (placedBy.TryGetValue(node, out var overrideText))
            return overrideText.Length == 0 ? new(fileName, 0, 0) : new("--set " + overrideText, 0, 0);
        return new(fileName, (int)node.Start.Line, (int)node.Start.Column);
    }
}
