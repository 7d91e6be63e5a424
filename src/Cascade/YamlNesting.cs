namespace Cascade;

/// <summary>
/// A limit on how deeply a YAML text nests, checked before YamlDotNet sees it. YamlDotNet's scanner and its
/// node loader recurse once per level, so 20,000 "{a: " or 100,000 "[" overflow the stack, which ends the
/// process past any catch. A scenario or APF file nests a dozen levels; the limit is far above that.
/// </summary>
/// <remarks>
/// A cheap count, not a parser: flow levels are the open '[' and '{' outside quotes and comments; block
/// levels are the indentations still open (as Python's tokenizer keeps them) plus the "- " and "? "
/// indicators that open a line. A bracket in a plain scalar ("see [1]") counts and uncounts; the limit leaves
/// room for the odd one left open.
/// </remarks>
internal static class YamlNesting
{
    public const int MaxDepth = 100;

    public static string Message => $"nested more than {MaxDepth} levels deep; no scenario or APF file needs that many";

    /// <summary>Whether the text nests deeper than <see cref="MaxDepth"/>, and where (1-based) it first does.</summary>
    public static bool TooDeep(string text, out int line, out int column)
    {
        line = 1;
        column = 0;
        var indents = new Stack<int>();
        int flow = 0, lineBegin = 0;
        bool atLineStart = true;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n')
            {
                (line, lineBegin, atLineStart) = (line + 1, i + 1, true);
                continue;
            }
            if (quote != '\0')
            {
                if (c == '\\' && quote == '"' && i + 1 < text.Length && text[i + 1] != '\n') i++;
                else if (c == quote) quote = '\0';
                continue;
            }
            if (atLineStart && flow == 0)
            {
                atLineStart = false;
                while (i < text.Length && text[i] == ' ') i++;
                if (i == text.Length || text[i] is '\n' or '\r' or '#')
                {
                    i--;
                    continue;   // a blank or comment line opens and closes nothing
                }
                int indent = i - lineBegin;
                while (indents.Count > 0 && indents.Peek() > indent) indents.Pop();
                if (indents.Count == 0 || indents.Peek() < indent) indents.Push(indent);
                int depth = indents.Count;
                while (i + 1 < text.Length && text[i] is '-' or '?' && text[i + 1] == ' ')
                {
                    if (++depth > MaxDepth) return Found(i - lineBegin + 1, out column);
                    i += 2;
                    while (i < text.Length && text[i] == ' ') i++;
                }
                if (depth > MaxDepth) return Found(i - lineBegin + 1, out column);
                i--;
                continue;
            }
            atLineStart = false;
            switch (c)
            {
                case '#' when i == 0 || text[i - 1] is ' ' or '\t':
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    break;
                case '"' or '\'' when i == 0 || text[i - 1] is ' ' or '\t' or '[' or '{' or ',' or ':' or '\n':
                    quote = c;
                    break;
                case '[' or '{':
                    if (++flow + indents.Count > MaxDepth) return Found(i - lineBegin + 1, out column);
                    break;
                case ']' or '}':
                    if (flow > 0) flow--;
                    break;
            }
        }
        return false;
    }

    private static bool Found(int at, out int column)
    {
        column = at;
        return true;
    }
}
