using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cascade;

/// <summary>A multi-line text written as a YAML literal block (a file's content in a ConfigMap).</summary>
public sealed record YamlLiteral(string Text);

/// <summary>
/// The one writer of the YAML Cascade prints: block mappings and sequences, in the order given, so the same input
/// is the same bytes. Written field by field (the importers: comments beside the values, <see cref="Scalar"/>
/// plain only where YAML reads it back as the same string, so the text pastes into a scenario and loads), or
/// whole from a document of ordered maps, lists and scalars (<see cref="Write"/>: the Kubernetes manifests of a
/// sweep's Job, where every string is double-quoted, JSON's escapes being YAML's, so that no value can turn into
/// a number, a boolean or null on the way: `"0"`, `"no"`, `"$(JOB_COMPLETION_INDEX)/4"`).
/// </summary>
public sealed partial class YamlWriter
{
    private readonly StringBuilder _text = new();

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

    /// <summary>`key:` at <paramref name="indent"/>; as a sequence item's first field, the item's "- " in the two columns before it.</summary>
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

    // ---------------------------------------------------------------- a whole document (a Kubernetes manifest)

    /// <summary>A document of <see cref="OrderedDictionary{TKey,TValue}"/> maps, lists, strings, booleans, integers and <see cref="YamlLiteral"/>s.</summary>
    public static string Write(OrderedDictionary<string, object> document)
    {
        var yaml = new YamlWriter();
        yaml.Map(document, 0, item: false);
        return yaml.ToString();
    }

    /// <summary>The map's fields at <paramref name="indent"/>; the first on a sequence item's dash line when <paramref name="item"/>.</summary>
    private void Map(OrderedDictionary<string, object> map, int indent, bool item)
    {
        foreach (var (key, value) in map)
        {
            Key(indent, ManifestKey(key), item);
            Value(value, indent);
            item = false;
        }
    }

    /// <summary>After "key:" or "-": a scalar on the same line, a collection on the next lines.</summary>
    private void Value(object value, int indent)
    {
        switch (value)
        {
            case OrderedDictionary<string, object> { Count: 0 }:
                _text.Append(" {}\n");
                break;
            case OrderedDictionary<string, object> map:
                _text.Append('\n');
                Map(map, indent + 2, item: false);
                break;
            case YamlLiteral literal:
                Literal(literal.Text, indent + 2);
                break;
            case string or bool or int or long:
                _text.Append(' ').Append(Quoted(value)).Append('\n');
                break;
            case IEnumerable list:
                var items = list.Cast<object>().ToList();
                if (items.Count == 0) { _text.Append(" []\n"); break; }
                _text.Append('\n');
                foreach (var item in items) Item(item, indent);
                break;
            default:
                throw new ArgumentException($"YamlWriter cannot write a {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>"- " then the item: a map's first field on the dash's line, its others under it.</summary>
    private void Item(object item, int indent)
    {
        if (item is OrderedDictionary<string, object> { Count: > 0 } map)
        {
            Map(map, indent + 2, item: true);
            return;
        }
        _text.Append(' ', indent).Append('-');
        Value(item, indent);
    }

    /// <summary>A literal block keeps the text as written; text it cannot hold (a leading space, a control character) is quoted instead.</summary>
    private void Literal(string text, int indent)
    {
        var body = text.EndsWith('\n') ? text[..^1] : text;
        if (body.Length == 0 || body[0] == ' ' || body.Any(c => char.IsControl(c) && c != '\n') || body.Split('\n').Any(l => l.EndsWith(' ')))
        {
            _text.Append(' ').Append(Quoted(text)).Append('\n');
            return;
        }
        _text.Append(text.EndsWith('\n') ? " |\n" : " |-\n");
        foreach (var line in body.Split('\n'))
        {
            if (line.Length > 0) _text.Append(' ', indent).Append(line);
            _text.Append('\n');
        }
    }

    /// <summary>A manifest's scalar: a string always double-quoted, with JSON's escapes.</summary>
    private static string Quoted(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => Json.Serialize((string)value).TrimEnd('\n'),
    };

    private static string ManifestKey(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-') && char.IsAsciiLetter(key[0])
            ? key : Quoted(key);
}
