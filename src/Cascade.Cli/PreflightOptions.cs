using System.CommandLine;

namespace Cascade.Cli;

/// <summary>Options of the preflight verbs (check, compare, cliff, sensitivity).</summary>
public static class PreflightOptions
{
    public static readonly Option<int> Threads = new("--threads")
    {
        Description = "Runs (compare, cliff, sensitivity) or clusters (check) simulated at once (default: all cores); the output does not depend on it",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static int ThreadsOf(ParseResult parse)
    {
        int t = parse.GetValue(Threads);
        if (t < 1) throw new InputException("must be at least 1", field: "--threads");
        return t;
    }
}
