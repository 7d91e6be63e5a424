namespace Cascade;

/// <summary>
/// Bad input from the user: a scenario file, a flag, an override. Carries where the mistake is (file,
/// line, column, field) so the CLI can print one clear line and exit with code 2 — never a stack trace.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string message, string? file = null, int line = 0, int column = 0, string? field = null)
        : base(message)
    {
        File = file;
        Line = line;
        Column = column;
        Field = field;
    }

    public string? File { get; }
    public int Line { get; }
    public int Column { get; }
    public string? Field { get; }

    /// <summary>"file:line:col: field: message", leaving out what is unknown.</summary>
    public string Describe()
    {
        var where = File ?? "";
        if (Line > 0) where += $":{Line}" + (Column > 0 ? $":{Column}" : "");
        var prefix = where.Length > 0 ? where + ": " : "";
        var field = Field is null ? "" : $"{Field}: ";
        return prefix + field + Message;
    }
}
