using Cascade.Scenarios.Binding;

namespace Cascade.Tests.Scenarios.Binding;

internal static class Fixture
{
    public const string File = "scenario.yaml";

    public static TestScenario Load(string yaml, params string[] sets) => YamlBinder.Load<TestScenario>(yaml, File, sets);

    public static InputException Error(string yaml, params string[] sets) => Assert.Throws<InputException>(() => Load(yaml, sets));
}
