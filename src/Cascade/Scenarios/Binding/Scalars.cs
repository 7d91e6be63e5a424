using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// Reading YAML scalars by the YAML 1.2 core schema, strictly: only true/false are booleans (not the
/// yes/no/on/off of YAML 1.1, which turned Norway's "NO" into false), and a quoted scalar is always a
/// string, so "5" is not accepted where a number is expected. Digits may be grouped with '_' (5_000).
/// </summary>
internal static partial class Scalars
{
    private const string StrTag = "tag:yaml.org,2002:str";
    private const string NullTag = "tag:yaml.org,2002:null";

    public static bool IsNull(YamlNode node)
    {
        if (node is not YamlScalarNode s) return false;
        var tag = ExplicitTag(s);
        if (tag == NullTag) return true;
        return tag is null && IsPlain(s) && s.Value is null or "" or "~" or "null" or "Null" or "NULL";
    }

    /// <summary>Quoted, block or tagged !!str: the author said "string", so it is not a number or a boolean.</summary>
    public static bool IsString(YamlScalarNode s) => !IsPlain(s) || ExplicitTag(s) == StrTag;

    /// <summary>A value as a message shows it: on one line (an error is one line), and cut short past 60 characters.</summary>
    public static string OneLine(string? value)
    {
        var v = (value ?? "").ReplaceLineEndings("\\n");
        return v.Length <= 60 ? v : v[..57] + "...";
    }

    /// <summary>How to show a node in "expected X, got Y".</summary>
    public static string Describe(YamlNode node) => node switch
    {
        _ when IsNull(node) => "null",
        YamlScalarNode s when IsString(s) => $"the string '{OneLine(s.Value)}'",
        YamlScalarNode s => $"'{OneLine(s.Value)}'",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "an alias",
    };

    public static bool TryBool(string text, out bool value)
    {
        value = text is "true" or "True" or "TRUE";
        return value || text is "false" or "False" or "FALSE";
    }

    /// <summary>Integer syntax; <paramref name="value"/> is null when the syntax is right but it does not fit a long.</summary>
    public static bool TryInteger(string text, out long? value)
    {
        value = null;
        if (!IntegerSyntax().IsMatch(text)) return false;
        if (long.TryParse(text.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) value = v;
        return true;
    }

    public static bool TryNumber(string text, out double value)
    {
        value = 0;
        if (!NumberSyntax().IsMatch(text)) return false;
        value = double.Parse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(value);
    }

    private static bool IsPlain(YamlScalarNode s) => s.Style is ScalarStyle.Plain or ScalarStyle.Any;

    private static string? ExplicitTag(YamlScalarNode s) => s.Tag.IsEmpty || s.Tag.IsNonSpecific ? null : s.Tag.Value;

    [GeneratedRegex(@"^[-+]?[0-9](_?[0-9])*$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerSyntax();

    [GeneratedRegex(@"^[-+]?([0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?|\.[0-9](_?[0-9])*)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberSyntax();
}
