using Cascade.Fleet;

namespace Cascade.Tests.Fleet;

/// <summary>A rolling restart's maxUnavailable: a count or a share, rounded up, at least one.</summary>
public class PodBudgetTests
{
    [Theory]
    [InlineData("25", 1000, 25)]
    [InlineData(" 25 ", 1000, 25)]
    [InlineData("1", 1000, 1)]
    [InlineData("2000", 1000, 2000)]
    [InlineData("10%", 1000, 100)]
    [InlineData("10%", 1001, 101)]
    [InlineData("10%", 5, 1)]
    [InlineData("100%", 7, 7)]
    [InlineData("0.5%", 1000, 5)]
    [InlineData("33.3%", 1000, 333)]
    [InlineData("10%", 0, 1)]
    [InlineData("1%", 50, 1)]
    [InlineData("3%", 100, 3)]
    public void A_budget_resolves_to_a_count_of_pods(string text, int pods, int resolved)
    {
        Assert.True(PodBudget.TryParse(text, out var b));
        Assert.Equal(resolved, b.Resolve(pods));
    }

    [Fact]
    public void A_count_and_a_share_parse_to_their_own_fields()
    {
        Assert.True(PodBudget.TryParse("25", out var count));
        Assert.Equal(new PodBudget(25, 0), count);
        Assert.True(PodBudget.TryParse("12.5%", out var share));
        Assert.Equal(new PodBudget(0, 12.5), share);
        Assert.True(PodBudget.TryParse("100%", out var all));
        Assert.Equal(new PodBudget(0, 100), all);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("+3")]
    [InlineData("2.5")]
    [InlineData("x")]
    [InlineData("")]
    [InlineData("0%")]
    [InlineData("-5%")]
    [InlineData("100.5%")]
    [InlineData("x%")]
    [InlineData("%")]
    public void A_budget_that_is_not_a_positive_count_or_a_share_up_to_100_percent_does_not_parse(string text)
    {
        Assert.False(PodBudget.TryParse(text, out var b));
        Assert.Equal(default, b);
    }

    [Fact]
    public void A_budget_of_neither_count_nor_share_is_one_pod()
    {
        Assert.Equal(1, new PodBudget(0, 0).Resolve(1000));
    }
}
