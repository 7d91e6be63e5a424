using Cascade.Preflight;
using Cascade.Samples;

namespace Cascade.Tests.Preflight;

/// <summary>Collateral's sum over hand-made API-server samples: the others' 429s and their worst p99, the change's own levels left out.</summary>
public class CollateralTests
{
    private static ApiServerSample Sample(long[] rejected, double[] p99) => new() { RejectedByLevel = rejected, P99ByLevel = p99 };

    private static readonly IReadOnlyList<ApiServerSample> Two =
    [
        Sample([1, 10, 100], [0.5, 2.0, double.NaN]),
        Sample([2, 20, 200], [0.25, 1.5, 0.75]),
    ];

    [Fact]
    public void Every_level_counts_when_the_change_has_none_of_its_own()
    {
        var (worst, rejected) = Collateral.Add(Two, 3, new HashSet<int>(), null, 0);
        Assert.Equal(333, rejected);
        Assert.Equal(2.0, worst);
    }

    [Fact]
    public void The_change_s_own_level_is_left_out_of_the_429s_and_the_p99()
    {
        var (worst, rejected) = Collateral.Add(Two, 3, new HashSet<int> { 1 }, null, 0);
        Assert.Equal(303, rejected);
        Assert.Equal(0.75, worst);
    }

    [Fact]
    public void Levels_past_the_count_are_not_read()
    {
        var (worst, rejected) = Collateral.Add(Two, 2, new HashSet<int>(), null, 0);
        Assert.Equal(33, rejected);
        Assert.Equal(2.0, worst);
    }

    [Fact]
    public void A_NaN_p99_is_skipped_and_all_NaN_leaves_no_worst()
    {
        var (worst, rejected) = Collateral.Add([Sample([4], [double.NaN])], 1, new HashSet<int>(), null, 0);
        Assert.Null(worst);
        Assert.Equal(4, rejected);
    }

    [Fact]
    public void The_sums_carry_on_from_the_previous_cluster()
    {
        var (worst, rejected) = Collateral.Add([Sample([4], [0.5])], 1, new HashSet<int>(), 3.0, 10);
        Assert.Equal(14, rejected);
        Assert.Equal(3.0, worst);
    }

    [Fact]
    public void A_worse_p99_than_the_previous_cluster_s_replaces_it()
    {
        var (worst, _) = Collateral.Add([Sample([0], [0.5])], 1, new HashSet<int>(), 0.25, 0);
        Assert.Equal(0.5, worst);
    }

    [Fact]
    public void A_zero_p99_is_a_worst_of_zero_not_none()
    {
        var (worst, _) = Collateral.Add([Sample([0], [0])], 1, new HashSet<int>(), null, 0);
        Assert.Equal(0.0, worst);
    }
}
