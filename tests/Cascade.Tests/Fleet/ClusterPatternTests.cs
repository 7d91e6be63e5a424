using Cascade.Fleet;

namespace Cascade.Tests.Fleet;

/// <summary>Cluster names and shell-style globs, as rollouts, alerts, playbooks and faults name clusters.</summary>
public class ClusterPatternTests
{
    [Theory]
    [InlineData("prod-1", "prod-1", true)]
    [InlineData("prod-1", "prod-12", false)]
    [InlineData("prod-12", "prod-1", false)]
    [InlineData("prod-*", "prod-1", true)]
    [InlineData("prod-*", "prod-", true)]
    [InlineData("prod-*", "prod", false)]
    [InlineData("*-large", "prod-large", true)]
    [InlineData("*-large", "prod-large-2", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("p*d-*-?", "prod-large-2", true)]
    [InlineData("p*d-*-?", "prod-large-22", false)]
    [InlineData("*-large-?", "eu-large-7", true)]
    [InlineData("prod-?", "prod-", false)]
    [InlineData("prod-?", "prod-ab", false)]
    [InlineData("?", "x", true)]
    [InlineData("?rod", "prod", true)]
    [InlineData("pro?", "prox", true)]
    [InlineData("prod", "prox", false)]
    [InlineData("prod", "xrod", false)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("**", "ab", true)]
    [InlineData("*x", "x", true)]
    [InlineData("*x", "", false)]
    public void A_glob_matches_a_whole_name(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, ClusterPattern.Matches([pattern], name));
    }

    [Fact]
    public void Any_pattern_of_the_list_may_match_and_an_empty_list_matches_nothing()
    {
        Assert.True(ClusterPattern.Matches(["staging", "prod-*"], "prod-2"));
        Assert.True(ClusterPattern.Matches(["prod-*", "staging"], "staging"));
        Assert.False(ClusterPattern.Matches(["staging", "prod-*"], "dev"));
        Assert.False(ClusterPattern.Matches([], "dev"));
    }
}
