using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>One field an input sets: its `--set` path and its value at the input's low and high end.</summary>
public sealed record VaryChange(string Path, string Low, string High);

/// <summary>
/// One input of a sensitivity analysis: a name, the fields it sets together (usually one; a DNS cache's
/// TTL may move with the record's), and why it is uncertain. <see cref="Origin"/> says where it was
/// given, for error messages: `--vary ...` or `replay.unknowns[i]`.
/// </summary>
public sealed record SensitivityInput(string Name, IReadOnlyList<VaryChange> Changes, string Why, string Origin)
{
    public string Low => Changes[0].Low;
    public string High => Changes[0].High;

    /// <summary>The `--set` overrides that put this input at its low (or high) end.</summary>
    public IReadOnlyList<string> Overrides(bool high) => Changes.Select(c => $"{c.Path}={(high ? c.High : c.Low)}").ToList();

    /// <summary>`path=LOW..HIGH`; the values are checked against the field's type when the scenario is loaded at each end.</summary>
    public static SensitivityInput ParseVary(string text)
    {
        var (path, low, high) = VaryRange.Split(text);
        return new SensitivityInput(path, [new VaryChange(path, low, high)], "", $"--vary {text}");
    }

    /// <summary>The unknowns a replay declares, in its order.</summary>
    public static IReadOnlyList<SensitivityInput> Of(ReplaySpec replay) =>
        replay.Unknowns.Select((u, i) => new SensitivityInput(
            u.Name ?? u.Path,
            [new VaryChange(u.Path, u.Low, u.High), .. u.With.Select(w => new VaryChange(w.Path, w.Low, w.High))],
            u.Why,
            $"replay.unknowns[{i}]")).ToList();
}

/// <summary>`PATH=FROM..TO`, as `cascade cliff` and `cascade sensitivity` take their `--vary`.</summary>
public static class VaryRange
{
    public static (string Path, string From, string To) Split(string text)
    {
        int eq = text.LastIndexOf('=');
        int dots = eq < 0 ? -1 : text.IndexOf("..", eq, StringComparison.Ordinal);
        if (eq <= 0 || dots < 0) throw new InputException($"'{text}' is not PATH=FROM..TO (e.g. cluster.nodes=50..8000)", field: "--vary");
        string path = text[..eq].Trim(), from = text[(eq + 1)..dots].Trim(), to = text[(dots + 2)..].Trim();
        if (from.Length == 0 || to.Length == 0)
            throw new InputException($"'{text}' is missing its {(from.Length == 0 ? "FROM" : "TO")} value: write PATH=FROM..TO", field: "--vary");
        if (to.Contains("..", StringComparison.Ordinal)) throw new InputException($"'{text}' has more than one '..'", field: "--vary");
        return (path, from, to);
    }
}
