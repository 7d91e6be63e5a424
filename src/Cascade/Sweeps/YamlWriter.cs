using System.Collections;
using System.Text;

namespace Cascade.Sweeps;

/// <summary>A multi-line text written as a YAML literal block (a file's content in a ConfigMap).</summary>
public sealed record YamlLiteral(string Text);

/// <summary>
/// Writes Kubernetes manifests as block YAML from ordered maps, lists and scalars, in the order given, so the
/// same manifest is the same bytes. Every string is double-quoted (JSON's escapes are YAML's), so no value
/// can turn into a number, a boolean or null on the way (`"0"`, `"no"`, `"$(JOB_COMPLETION_INDEX)/4"`).
/// </summary>
public static class YamlWriter
{
    public static string Write(OrderedDictionary<string, object> document)
    {
        var yaml = new StringBuilder();
        Map(yaml, document, 0);
        return yaml.ToString();
    }

    private static void Map(StringBuilder yaml, OrderedDictionary<string, object> map, int indent)
    {
        foreach (var (key, value) in map)
        {
            yaml.Append(' ', indent).Append(Key(key)).Append(':');
            Value(yaml, value, indent);
        }
    }

    /// <summary>After "key:" or "-": a scalar on the same line, a collection on the next lines.</summary>
    private static void Value(StringBuilder yaml, object value, int indent)
    {
        switch (value)
        {
            case OrderedDictionary<string, object> { Count: 0 }:
                yaml.Append(" {}\n");
                break;
            case OrderedDictionary<string, object> map:
                yaml.Append('\n');
                Map(yaml, map, indent + 2);
                break;
            case YamlLiteral literal:
                Literal(yaml, literal.Text, indent + 2);
                break;
            case string or bool or int or long:
                yaml.Append(' ').Append(Scalar(value)).Append('\n');
                break;
            case IEnumerable list:
                var items = list.Cast<object>().ToList();
                if (items.Count == 0) { yaml.Append(" []\n"); break; }
                yaml.Append('\n');
                foreach (var item in items) Item(yaml, item, indent);
                break;
            default:
                throw new ArgumentException($"YamlWriter cannot write a {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>"- " then the item: a map's first field on the dash's line, its others under it.</summary>
    private static void Item(StringBuilder yaml, object item, int indent)
    {
        if (item is OrderedDictionary<string, object> { Count: > 0 } map)
        {
            var inner = new StringBuilder();
            Map(inner, map, indent + 2);
            yaml.Append(' ', indent).Append("- ").Append(inner, indent + 2, inner.Length - indent - 2);
            return;
        }
        yaml.Append(' ', indent).Append('-');
        Value(yaml, item, indent);
    }

    /// <summary>A literal block keeps the text as written; text it cannot hold (a leading space, a control character) is quoted instead.</summary>
    private static void Literal(StringBuilder yaml, string text, int indent)
    {
        var body = text.EndsWith('\n') ? text[..^1] : text;
        if (body.Length == 0 || body[0] == ' ' || body.Any(c => char.IsControl(c) && c != '\n') || body.Split('\n').Any(l => l.EndsWith(' ')))
        {
            yaml.Append(' ').Append(Scalar(text)).Append('\n');
            return;
        }
        yaml.Append(text.EndsWith('\n') ? " |\n" : " |-\n");
        foreach (var line in body.Split('\n'))
        {
            if (line.Length > 0) yaml.Append(' ', indent).Append(line);
            yaml.Append('\n');
        }
    }

    private static string Scalar(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        _ => Cascade.Json.Serialize((string)value).TrimEnd('\n'),
    };

    private static string Key(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-') && char.IsAsciiLetter(key[0])
            ? key : Scalar(key);
}
