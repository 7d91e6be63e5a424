using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>One step of an override's path: a field or map key, or a list index.</summary>
internal readonly record struct PathSegment(string? Name, int Index)
{
    public bool IsIndex => Name is null;
}

/// <summary>
/// One "--set path=value", Helm's convention: the path is dotted names with list indices
/// ("workloads[0].calls[1].every"), a backslash makes the next character literal ("labels.app\.kubernetes\.io/name"),
/// and the path ends at the first unescaped '='. The value is YAML: a scalar (5000 is a number, "5000"
/// a string, empty is null) or a flow collection ([1, 2], {x: 1}); a block collection is refused,
/// because "a=x: y" is far likelier a typo than a wish for a mapping.
/// </summary>
internal sealed record SetOverride(string Text, IReadOnlyList<PathSegment> Path, YamlNode Value)
{
    public static SetOverride Parse(string text)
    {
        var path = new List<PathSegment>();
        int i = 0;
        while (true)
        {
            int nameStart = i;
            var name = ReadName(text, ref i);
            if (name.Length == 0)
                throw Malformed(text, i == 0 && i < text.Length && text[i] == '=' ? "no path before '='" : $"empty name at character {nameStart + 1}");
            path.Add(new PathSegment(name, 0));
            while (i < text.Length && text[i] == '[') path.Add(new PathSegment(null, ReadIndex(text, ref i)));
            if (i == text.Length) throw Malformed(text, "missing '=': write path=value");
            char c = text[i++];
            if (c == '=') break;
            if (c != '.') throw Malformed(text, $"expected '.', '[' or '=' after ']' at character {i}");
        }
        return new SetOverride(text, path, ParseValue(text, text[i..]));
    }

    public static InputException Malformed(string text, string message) => new(message, "--set", field: text);

    private static string ReadName(string text, ref int i)
    {
        var name = new StringBuilder();
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '.' or '[' or '=') break;
            if (c == '\\')
            {
                if (++i == text.Length) throw Malformed(text, "a backslash at the end escapes nothing");
                c = text[i];
            }
            name.Append(c);
        }
        return name.ToString();
    }

    private static int ReadIndex(string text, ref int i)
    {
        int open = i++;
        int close = text.IndexOf(']', i);
        if (close < 0) throw Malformed(text, $"'[' at character {open + 1} is not closed");
        var digits = text[i..close];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || !int.TryParse(digits, out var index))
            throw Malformed(text, $"a list index must be a whole number from 0, got '[{digits}]'");
        i = close + 1;
        return index;
    }

    private static YamlNode ParseValue(string text, string value)
    {
        if (!YamlText.TryLoad(value, out var stream, out var error, out _))
            throw Malformed(text, $"the value is not valid YAML: {error}");
        if (stream.Documents.Count == 0) return new YamlScalarNode(null) { Style = ScalarStyle.Plain };
        if (stream.Documents.Count > 1) throw Malformed(text, "the value holds more than one YAML document");
        return stream.Documents[0].RootNode switch
        {
            YamlMappingNode { Style: not MappingStyle.Flow } or YamlSequenceNode { Style: not SequenceStyle.Flow } =>
                throw Malformed(text, "the value must be a scalar or a flow collection like [a, b] or {k: v}; quote it to keep it a string"),
            var node => node,
        };
    }
}
