using Cascade.Scenarios;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// One row of a comparison: the scenario as given (the baseline), under built-in mitigations, or under a
/// user's own `--set` overrides (`--variant name:path=value,...`).
/// </summary>
public sealed record Variant(string Name, IReadOnlyList<Mitigation> Mitigations, IReadOnlyList<string> Overrides)
{
    public const string BaselineName = "baseline";

    public static Variant Baseline { get; } = new(BaselineName, [], []);

    /// <summary>`a+b+c`: built-in mitigations applied together, in that order.</summary>
    public static Variant OfMitigations(string combination)
    {
        var expanded = Preflight.Mitigations.Combinations.TryGetValue(combination, out var named) ? named : combination;
        var names = expanded.Split('+', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0)) throw new InputException($"'{combination}' has an empty mitigation name", field: "--mitigations");
        return new Variant(combination, names.Select(Preflight.Mitigations.Find).ToList(), []);
    }

    /// <summary>
    /// The scenario at <paramref name="path"/> with <paramref name="overrides"/>, then this variant's own, then its
    /// mitigations in order; a mitigation that does not apply leaves no scenario, and says why.
    /// </summary>
    public PreparedVariant Prepare(string path, IReadOnlyList<string> overrides)
    {
        var scenario = ScenarioLoader.LoadFile(path, [.. overrides, .. Overrides]);
        var ctx = new MitigationContext(Path.GetDirectoryName(Path.GetFullPath(path))!);
        foreach (var o in Overrides) ctx.Changes.Add(o);
        foreach (var m in Mitigations)
            if (m.ApplyTo(scenario, ctx) is { } why) return new PreparedVariant(this, null, ctx, Mitigations.Count > 1 ? $"{m.Name}: {why}" : why);
        return new PreparedVariant(this, scenario, ctx, null);
    }

    /// <summary>
    /// `name:path=value,path=value`: the overrides are split at commas outside brackets, braces and quotes,
    /// so a value may be a flow collection (`calls=[{verb: get}, {verb: list}]`).
    /// </summary>
    public static Variant Parse(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0) throw new InputException($"'{text}' is not name:path=value,...", field: "--variant");
        string name = text[..colon].Trim();
        if (name == BaselineName || Preflight.Mitigations.All.Any(m => m.Name == name) || Preflight.Mitigations.Combinations.ContainsKey(name))
            throw new InputException($"'{name}' is the name of a built-in row; choose another", field: "--variant");
        var overrides = SplitTopLevel(text[(colon + 1)..]);
        if (overrides.Count == 0 || overrides.Any(o => !o.Contains('=')))
            throw new InputException($"'{text}' needs at least one path=value after the name", field: "--variant");
        return new Variant(name, [], overrides);
    }

    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            switch (c)
            {
                case '\'' or '"': quote = c; break;
                case '[' or '{': depth++; break;
                case ']' or '}': depth--; break;
                case ',' when depth == 0:
                    parts.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }
        parts.Add(text[start..].Trim());
        return parts.Where(p => p.Length > 0).ToList();
    }
}

/// <summary>A variant ready to run: its scenario, what it changed, or (with no scenario) why it does not apply.</summary>
public sealed record PreparedVariant(Variant Variant, Scenario? Scenario, MitigationContext Context, string? NotApplicable);
