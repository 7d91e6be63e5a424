using System.Text;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// A field's path in the document, "workloads[2].calls[0].verb", written in --set's syntax so that a
/// path from an error message can be pasted into --set. Dots and brackets inside a name are escaped.
/// </summary>
internal static class FieldPath
{
    public static string Child(string parent, string name) => parent.Length == 0 ? Escape(name) : parent + "." + Escape(name);

    public static string Item(string parent, int index) => $"{parent}[{index}]";

    private static string Escape(string name)
    {
        if (name.AsSpan().IndexOfAny(@".[]=\") < 0) return name;
        var escaped = new StringBuilder(name.Length + 4);
        foreach (char c in name)
        {
            if (c is '.' or '[' or ']' or '=' or '\\') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
