using System.CommandLine;

namespace Cascade.Cli;

/// <summary>Yaml is what `profile` and `inventory` print by default (a scenario section); the other verbs print tables.</summary>
public enum OutputFormat { Table, Json, Yaml }

/// <summary>Options every verb shares: output format and quietness.</summary>
public static class CommonOptions
{
    public static readonly Option<OutputFormat> Output = new("--output", "-o")
    {
        Description = "Output format: table (for people, the default) or json (for machines); yaml for profile and inventory (their default)",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
        CustomParser = r =>
        {
            var v = r.Tokens.Count == 0 ? "table" : r.Tokens[0].Value;
            switch (v.ToLowerInvariant())
            {
                case "table": return OutputFormat.Table;
                case "json": return OutputFormat.Json;
                case "yaml": return OutputFormat.Yaml;
                default:
                    r.AddError($"unknown output format '{v}': use table, json or yaml");
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
