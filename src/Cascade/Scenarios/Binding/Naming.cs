using System.Text.Json;

namespace Cascade.Scenarios.Binding;

/// <summary>YAML names of C# members, and the "did you mean" that turns a typo into a one-second fix.</summary>
internal static class Naming
{
    // The same policy as the JSON outputs (src/Cascade/Json.cs), so a field has one name everywhere.
    public static string CamelCase(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    /// <summary>"unknown field 'nodez' (did you mean 'nodes'?)", or the known names when none is close.</summary>
    public static string Unknown(string what, string name, IReadOnlyCollection<string> known, string where = "")
    {
        var closest = Closest(name, known);
        var unknown = $"unknown {what} '{name}'{where}";
        if (closest is not null) return $"{unknown} (did you mean '{closest}'?)";
        return known.Count == 0 ? $"{unknown} (none are allowed here)" : $"{unknown} (known: {string.Join(", ", known)})";
    }

    /// <summary>The nearest name by edit distance, if it is near enough to be what was meant.</summary>
    public static string? Closest(string name, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            int d = EditDistance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        // A third of the length: catches typos and swapped letters without suggesting unrelated words.
        return bestDistance <= Math.Max(1, name.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance where swapping two adjacent letters counts as one edit.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
