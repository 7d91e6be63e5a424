using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios;

/// <summary>Reads a scenario file, applies --set overrides, checks it, and resolves bundled names.</summary>
public static class ScenarioLoader
{
    public const string ApiVersion = "cascade/v1";
    public const string Kind = "Scenario";

    public static Scenario LoadFile(string path, IReadOnlyList<string>? overrides = null)
    {
        if (Directory.Exists(path)) throw new InputException("is a directory; give a scenario file (YAML)", path);
        if (!File.Exists(path)) throw new InputException($"scenario file '{path}' not found");
        return YamlBinder.LoadFile<Scenario>(path, overrides, ApiVersion, Kind);
    }
}
