using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Cascade.Scenarios.Importers;

/// <summary>
/// Writes the YAML an importer prints: block mappings and sequences with comments, every scalar plain only where
/// YAML reads it back as the same string, so the text pastes into a scenario and loads.
/// </summary>
public sealed partial class YamlWriter
{
    private readonly StringBuilder _text = new();

    /// <summary>The importers' JSON: the shared options without nulls, so that a field left out is absent rather than null.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(Cascade.Json.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonOptions) + "\n";

    public void Comment(int indent, string text)
    {
        foreach (var line in text.Split('\n'))
            _text.Append(' ', indent).Append("# ").Append(line).Append('\n');
    }

    /// <summary>`key: value`, the first field of a sequence item when <paramref name="item"/> (written `- key: value`).</summary>
    public void Field(int indent, string key, string value, bool item = false) =>
        Key(indent, key, item).Append(' ').Append(Scalar(value)).Append('\n');

    public void Field(int indent, string key, long value, bool item = false) =>
        Key(indent, key, item).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    /// <summary>A plain value that is not a string to YAML (a duration, a number): written as is.</summary>
    public void Raw(int indent, string key, string value, bool item = false) => Key(indent, key, item).Append(' ').Append(value).Append('\n');

    /// <summary>`key:` opening a nested block.</summary>
    public void Open(int indent, string key, bool item = false) => Key(indent, key, item).Append('\n');

    public void List(int indent, string key, IEnumerable<string> values) =>
        Key(indent, key, false).Append(" [").Append(string.Join(", ", values.Select(Scalar))).Append("]\n");

    private StringBuilder Key(int indent, string key, bool item)
    {
        if (item) _text.Append(' ', indent - 2).Append("- ");
        else _text.Append(' ', indent);
        return _text.Append(key).Append(':');
    }

    public override string ToString() => _text.ToString();

    /// <summary>Plain when it is a name-like word YAML would not read as anything but that string; else double-quoted.</summary>
    public static string Scalar(string s)
    {
        if (Plain().IsMatch(s) && !Special().IsMatch(s)) return s;
        var q = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c is '"' or '\\') q.Append('\\').Append(c);
            else if (char.IsControl(c)) q.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else q.Append(c);
        }
        return q.Append('"').ToString();
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9._/-]*$")]
    private static partial Regex Plain();

    [GeneratedRegex(@"^(?i:y|n|yes|no|on|off|true|false|null)$")]
    private static partial Regex Special();
}
