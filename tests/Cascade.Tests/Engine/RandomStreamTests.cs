using Cascade.Engine;

namespace Cascade.Tests.Engine;

/// <summary>
/// The generators reproduce their published algorithms bit for bit. The pinned values were computed by an
/// independent implementation of SplitMix64 and xoshiro256** written from the papers' reference C (Python,
/// unbounded integers masked to 64 bits), not read back from this code.
/// </summary>
public class RandomStreamTests
{
    [Fact]
    public void SplitMix64_seeded_with_zero_gives_its_reference_first_output()
    {
        ulong x = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, RandomStream.SplitMix64(ref x));
        Assert.Equal(0x9E3779B97F4A7C15UL, x);
    }

    [Fact]
    public void Xoshiro256_star_star_seeded_through_SplitMix64_gives_the_reference_sequence()
    {
        var zero = new RandomStream(0);
        Assert.Equal(new[] { 11091344671253066420UL, 13793997310169335082UL, 1900383378846508768UL, 7684712102626143532UL },
            new[] { zero.NextUInt64(), zero.NextUInt64(), zero.NextUInt64(), zero.NextUInt64() });
        var other = new RandomStream(12345);
        Assert.Equal(new[] { 13720838825685603483UL, 2398916695208396998UL, 17770384849984869256UL },
            new[] { other.NextUInt64(), other.NextUInt64(), other.NextUInt64() });
    }

    [Fact]
    public void A_double_is_the_top_53_bits_of_the_next_word()
    {
        var r = new RandomStream(5);
        Assert.Equal(0.2884112281702357, r.NextDouble(), 15);
        Assert.Equal(0.6020823331320106, r.NextDouble(), 15);
    }

    [Fact]
    public void Doubles_lie_in_their_half_open_intervals_and_uniforms_scale_them()
    {
        var a = new RandomStream(77);
        var b = new RandomStream(77);
        var c = new RandomStream(77);
        for (int i = 0; i < 10_000; i++)
        {
            double u = a.NextDouble();
            double nz = b.NextDoubleNonZero();
            Assert.InRange(u, 0.0, Math.BitDecrement(1.0));
            Assert.InRange(nz, double.Epsilon, 1.0);
            Assert.Equal(u + 1.0 / (1UL << 53), nz, 15);
            Assert.Equal(3 + 4 * u, c.NextUniform(3, 7), 12);
        }
    }

    [Fact]
    public void Bounded_integers_follow_Lemire_including_its_rejections()
    {
        // n = 1.5 × 2^30 rejects a quarter of the low words; seed 9 rejects 4 times in these 12 draws.
        var r = new RandomStream(9);
        var got = new int[12];
        for (int i = 0; i < got.Length; i++) got[i] = r.NextInt(3 << 29);
        Assert.Equal(new[] { 1316953725, 305144360, 1496931484, 745046917, 739962473, 1076211073, 873641773, 1503241154, 382783668, 146823376, 520911387, 1048649515 }, got);

        var small = new RandomStream(9);
        Assert.Equal(new[] { 4, 4, 0, 4, 2 }, new[] { small.NextInt(5), small.NextInt(5), small.NextInt(5), small.NextInt(5), small.NextInt(5) });
    }

    [Fact]
    public void A_bound_of_one_always_gives_zero_and_a_bound_under_one_is_refused()
    {
        var r = new RandomStream(3);
        for (int i = 0; i < 1000; i++) Assert.Equal(0, r.NextInt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextInt(-4));
    }

    [Fact]
    public void Exponential_draws_are_minus_the_log_of_a_nonzero_uniform_times_the_mean()
    {
        var a = new RandomStream(21);
        var b = new RandomStream(21);
        for (int i = 0; i < 1000; i++) Assert.Equal(-Math.Log(b.NextDoubleNonZero()) * 2.5, a.NextExponential(2.5), 12);
    }

    [Fact]
    public void Normal_draws_shift_and_scale_the_standard_normal_and_a_lognormal_exponentiates_it()
    {
        var a = new RandomStream(31);
        var b = new RandomStream(31);
        var c = new RandomStream(31);
        for (int i = 0; i < 1000; i++)
        {
            double z = a.NextStandardNormal();
            Assert.Equal(10 + 2 * z, b.NextNormal(10, 2), 12);
            Assert.Equal(Math.Exp(1 + 0.5 * z), c.NextLogNormal(1, 0.5), 12);
        }
    }

    [Fact]
    public void The_standard_normal_has_mean_zero_unit_variance_and_both_signs_alike()
    {
        var r = new RandomStream(41);
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        int negative = 0;
        for (int i = 0; i < n; i++)
        {
            double z = r.NextStandardNormal();
            sum += z;
            sumSq += z * z;
            if (z < 0) negative++;
        }
        Assert.InRange(sum / n, -0.01, 0.01);
        Assert.InRange(sumSq / n, 0.98, 1.02);
        Assert.InRange(negative, n / 2 - 1500, n / 2 + 1500);
    }

    [Fact]
    public void A_coin_of_probability_p_lands_true_a_share_p_of_the_time_and_never_or_always_at_the_ends()
    {
        var r = new RandomStream(51);
        int heads = 0;
        for (int i = 0; i < 100_000; i++) if (r.NextBool(0.3)) heads++;
        Assert.InRange(heads, 29_400, 30_600);
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(r.NextBool(0));
            Assert.True(r.NextBool(1));
        }
    }

    [Fact]
    public void A_named_stream_and_a_family_member_have_seeds_fixed_by_FNV_1a_and_SplitMix64()
    {
        Assert.Equal(8024811577573180654UL, RandomStreams.Derive(42, "kubelet"));
        var streams = new RandomStreams(42);
        Assert.Equal(42UL, streams.Seed);
        Assert.Equal(new RandomStream(8024811577573180654UL).NextUInt64(), streams.Stream("kubelet").NextUInt64());
        Assert.Equal(new RandomStream(6191847439340851787UL).NextUInt64(), streams.Stream("node", 7).NextUInt64());
    }

    [Fact]
    public void A_copy_draws_what_the_stream_will_draw_next_and_leaves_the_stream_where_it_was()
    {
        var r = new RandomStream(42);
        r.NextUInt64();
        var copy = r.Copy();
        var ahead = Enumerable.Range(0, 5).Select(_ => copy.NextUInt64()).ToList();
        Assert.Equal(ahead, Enumerable.Range(0, 5).Select(_ => r.NextUInt64()).ToList());
    }

    [Fact]
    public void A_counter_based_draw_is_the_index_th_SplitMix64_output_of_its_key_whatever_order_it_is_asked_in()
    {
        static double Top53(ulong w) => (w >> 11) * (1.0 / (1UL << 53));
        Assert.Equal(Top53(0xE220A8397B1DCDAFUL), RandomStream.UniformAt(0, 0));   // the reference's first output
        ulong x = 42;
        var sequence = Enumerable.Range(0, 5).Select(_ => Top53(RandomStream.SplitMix64(ref x))).ToList();
        int[] order = [3, 0, 4, 1, 2];
        Assert.Equal(order.Select(i => sequence[i]), order.Select(i => RandomStream.UniformAt(42, (ulong)i)));
        Assert.NotEqual(RandomStream.UniformAt(42, 0), RandomStream.UniformAt(43, 0));
        var draws = Enumerable.Range(0, 100_000).Select(i => RandomStream.UniformAt(7, (ulong)i)).ToList();
        Assert.All(draws, d => Assert.InRange(d, 0, Math.BitDecrement(1.0)));
        Assert.InRange(draws.Average(), 0.495, 0.505);
        Assert.InRange(draws.Count(d => d < 0.1), 9_500, 10_500);
    }
}
