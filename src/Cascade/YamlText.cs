using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cascade;

/// <summary>Parsing YAML text (a scenario, an override's value, an APF file) into a node tree, with every syntax error given a position.</summary>
internal static class YamlText
{
    public static bool TryLoad(string text, out YamlStream stream, out string error, out Mark at)
    {
        stream = new YamlStream();
        error = "";
        at = Mark.Empty;
        if (YamlNesting.TooDeep(text, out int deepLine, out int deepColumn))
        {
            (error, at) = (YamlNesting.Message, new Mark(0, deepLine, deepColumn));
            return false;
        }
        var scanner = new Scanner(new StringReader(text));
        var parser = new Parser(scanner);
        try
        {
            stream.Load(parser);
            return true;
        }
        catch (YamlException e)
        {
            (error, at) = (Innermost(e).Message.Trim(), e.Start);
            // YamlDotNet puts a tab in the indentation at 1:1 or at the end of the scalar before it.
            if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && TabIndentFrom(text, (int)at.Line) is { } tab)
                (error, at) = ("a tab in the indentation: YAML indents with spaces only", tab);
            // And a key left empty after others of its mapping at the column past it ("did not find expected key").
            else if (error.Contains("expected key", StringComparison.Ordinal) && EmptyKeyAbove(text, (int)at.Line) is { } emptyKey)
                (error, at) = ("a key is missing before the ':'", emptyKey);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16.3's scanner throws this, unlocated, on "[a, b" followed by a "key: value"
            // line; where it stopped is the best position there is.
            (error, at) = ("invalid YAML here (is a '[' or '{' above left unclosed?)", scanner.CurrentPosition);
        }
        catch (ArgumentException)
        {
            // And this on a key left empty (": x"): the node loader meets an event it has no node for.
            at = parser.Current?.Start ?? scanner.CurrentPosition;
            error = "invalid YAML here";
            if (EmptyKeyAbove(text, (int)at.Line) is { } emptyKey) (error, at) = ("a key is missing before the ':'", emptyKey);
        }
        return false;
    }

    private static Exception Innermost(Exception e) => e.InnerException is YamlException inner ? Innermost(inner) : e;

    /// <summary>The first line from <paramref name="line"/> on (else from the start) whose indentation holds a tab.</summary>
    private static Mark? TabIndentFrom(string text, int line)
    {
        Mark? first = null;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int indent = 0;
            while (indent < lines[i].Length && lines[i][indent] == ' ') indent++;
            if (indent == lines[i].Length || lines[i][indent] != '\t') continue;
            var mark = new Mark(0, i + 1, indent + 1);
            if (i + 1 >= line) return mark;
            first ??= mark;
        }
        return first;
    }

    /// <summary>The last line up to <paramref name="line"/> that opens with ": " (a key left empty), if any.</summary>
    private static Mark? EmptyKeyAbove(string text, int line)
    {
        Mark? found = null;
        var lines = text.Split('\n');
        for (int i = 0; i < Math.Min(line, lines.Length); i++)
        {
            var content = lines[i].TrimStart(' ', '-').TrimEnd('\r');
            if (content == ":" || content.StartsWith(": ", StringComparison.Ordinal))
                found = new Mark(0, i + 1, lines[i].Length - lines[i].TrimStart(' ', '-').Length + 1);
        }
        return found;
    }
}
