using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cascade.Scenarios.Importers;

/// <summary>The importers' JSON (`-o json`): the shared convention without nulls, so that a field left out is absent rather than null.</summary>
public static class ImporterJson
{
    public static readonly JsonSerializerOptions Options = new(Cascade.Json.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";
}
