using System.CommandLine;

namespace Cascade.Cli;

public enum OutputFormat { Table, Json }

/// <summary>Options every verb shares: output format and quietness.</summary>
public static class CommonOptions
{
    public static readonly Option<OutputFormat> Output = new("--output", "-o")
    {
        Description = "Output format: table (for people, the default) or json (for machines)",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
        CustomParser = r =>
        {
            var v = r.Tokens.Count == 0 ? "table" : r.Tokens[0].Value;
            switch (v.ToLowerInvariant())
            {
                case "table": return OutputFormat.Table;
                case "json": return OutputFormat.Json;
                default:
                    r.AddError($"unknown output format '{v}': use table or json");
                    return OutputFormat.Table;
            }
        },
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "No progress or summary on stderr; only the requested output",
        Recursive = true,
    };
}
