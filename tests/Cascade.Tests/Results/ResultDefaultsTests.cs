using Cascade.Results;

namespace Cascade.Tests.Results;

/// <summary>result.json's parts as made before anything fills them: names are empty strings, never null.</summary>
public class ResultDefaultsTests
{
    [Fact]
    public void Every_name_in_an_unfilled_result_is_empty_not_null()
    {
        Assert.Equal("", new RunResult().Scenario);
        Assert.Equal("", new MarkerResult().Name);
        Assert.Equal(("", ""), (new ProductResult().Name, new ProductResult().Cluster));
        Assert.Equal("", new RolloutResult().Change);
        Assert.Equal("", new ClusterResult().Name);
        Assert.Equal("", new LevelResult().Name);
        Assert.Equal("", new WorkloadResult().Name);
    }
}
