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
        if (!File.Exists(path)) throw new InputException($"scenario file '{path}' not found");
        var scenario = YamlBinder.LoadFile<Scenario>(path, overrides);
        if (scenario.ApiVersion != ApiVersion)
            throw new InputException($"apiVersion must be '{ApiVersion}', not '{scenario.ApiVersion}'", path, field: "apiVersion");
        if (scenario.Kind != Kind)
            throw new InputException($"kind must be '{Kind}', not '{scenario.Kind}'", path, field: "kind");
        return scenario;
    }
}
