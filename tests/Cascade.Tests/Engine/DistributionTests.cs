using Cascade.Engine;

namespace Cascade.Tests.Engine;

public class DistributionTests
{
    [Fact]
    public void Each_kind_states_its_mean_and_names_itself()
    {
        Assert.Equal(2.5, Distribution.Constant(2.5).Mean);
        Assert.Equal(4.0, Distribution.Uniform(1, 7).Mean);
        Assert.Equal(3.0, Distribution.Exponential(3).Mean);
        Assert.Equal(9.0, Distribution.Normal(9, 2).Mean);
        Assert.Equal(5.0, Distribution.LogNormal(5, 2).Mean, 12);

        Assert.Equal("constant(2.5)", Distribution.Constant(2.5).ToString());
        Assert.Equal("uniform(1, 7)", Distribution.Uniform(1, 7).ToString());
        Assert.Equal("exponential(mean 3)", Distribution.Exponential(3).ToString());
        Assert.Equal("normal(9, 2)", Distribution.Normal(9, 2).ToString());
        Assert.Equal("lognormal(mean 1)", Distribution.LogNormal(1, 0).ToString());
    }

    [Fact]
    public void The_factories_store_their_parameters_as_given()
    {
        Assert.Equal(new Distribution(DistributionKind.Uniform, 1, 7), Distribution.Uniform(1, 7));
        Assert.Equal(new Distribution(DistributionKind.Exponential, 3, 0), Distribution.Exponential(3));
        Assert.Equal(new Distribution(DistributionKind.Normal, 9, 2), Distribution.Normal(9, 2));
        // log-normal: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
        var ln = Distribution.LogNormal(4, 3);
        double s2 = Math.Log(1 + 9.0 / 16);
        Assert.Equal(DistributionKind.LogNormal, ln.Kind);
        Assert.Equal(Math.Log(4) - s2 / 2, ln.A, 12);
        Assert.Equal(Math.Sqrt(s2), ln.B, 12);
    }

    [Fact]
    public void Each_kind_samples_through_its_own_draw()
    {
        var a = new RandomStream(6);
        var b = new RandomStream(6);
        Assert.Equal(2.5, Distribution.Constant(2.5).Sample(a));
        Assert.Equal(b.NextUniform(1, 7), Distribution.Uniform(1, 7).Sample(a));
        Assert.Equal(b.NextExponential(3), Distribution.Exponential(3).Sample(a));
        Assert.Equal(b.NextNormal(9, 2), Distribution.Normal(9, 2).Sample(a));
        var ln = Distribution.LogNormal(4, 3);
        Assert.Equal(b.NextLogNormal(ln.A, ln.B), ln.Sample(a));
        Assert.Equal(b.NextUInt64(), a.NextUInt64()); // the constant drew nothing
    }

    [Fact]
    public void A_normal_duration_is_truncated_at_zero_never_negative()
    {
        var rng = new RandomStream(7);
        var d = Distribution.Normal(-5, 1);
        for (int i = 0; i < 1000; i++) Assert.Equal(0.0, d.Sample(rng));
        var around0 = Distribution.Normal(0, 1);
        int zeros = 0;
        for (int i = 0; i < 10_000; i++) if (around0.Sample(rng) == 0) zeros++;
        Assert.InRange(zeros, 4_700, 5_300);
    }

    [Fact]
    public void A_lognormal_needs_a_positive_mean()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.LogNormal(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Distribution.LogNormal(-1, 1));
        Assert.Equal(1e-9, Distribution.LogNormal(1e-9, 0).Mean, 15);
    }

    [Fact]
    public void An_unknown_kind_is_refused_rather_than_sampled_as_something_else()
    {
        var d = new Distribution((DistributionKind)99, 1, 2);
        Assert.Throws<InvalidOperationException>(() => d.Mean);
        Assert.Throws<InvalidOperationException>(() => d.Sample(new RandomStream(1)));
        Assert.Equal("99", d.ToString());
    }

    [Fact]
    public void A_periodic_actor_without_jitter_fires_exactly_every_period_and_draws_nothing()
    {
        var p = new Periodic(10, 0);
        var a = new RandomStream(8);
        var b = new RandomStream(8);
        for (int i = 0; i < 100; i++) Assert.Equal(SimTime.FromSeconds(10), p.NextDelayTicks(a));
        Assert.Equal(b.NextUInt64(), a.NextUInt64());
    }

    [Fact]
    public void A_periodic_actor_stretches_its_period_by_the_jitter_times_a_uniform_draw_and_starts_within_one_period()
    {
        var p = new Periodic(10, 0.2);
        var a = new RandomStream(9);
        var b = new RandomStream(9);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(SimTime.FromSeconds(10 * (1 + b.NextDouble() * 0.2)), p.NextDelayTicks(a));
            Assert.Equal(SimTime.FromSeconds(b.NextDouble() * 10), p.FirstDelayTicks(a));
        }
    }
}
