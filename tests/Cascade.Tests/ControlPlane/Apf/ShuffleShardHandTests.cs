using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>
/// A flow's shuffle-shard hand is dealt once, at classification, and kept packed with the flow; a queue set reads
/// its cards instead of dealing on every request. Whatever it reads must be the hand the dealer deals.
/// </summary>
public class ShuffleShardHandTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(8, 8)]
    [InlineData(16, 12)]
    [InlineData(17, 9)]
    [InlineData(64, 6)]     // node-high, workload-high: the defaults' usual shape
    [InlineData(64, 8)]     // 6 bits × 8 = 48: the largest that fits
    [InlineData(128, 6)]
    [InlineData(100, 6)]
    [InlineData(1023, 4)]
    public void A_packed_hand_holds_the_cards_the_dealer_deals(int deck, int handSize)
    {
        var rng = new Random(deck * 31 + handSize);
        Span<int> dealt = stackalloc int[handSize];
        int bits = ShuffleShardDealer.CardBits(deck);
        for (int k = 0; k < 2000; k++)
        {
            ulong hash = (ulong)rng.NextInt64() ^ (ulong)rng.NextInt64() << 1;
            ShuffleShardDealer.Deal(hash, deck, dealt);
            ulong packed = ShuffleShardDealer.Pack(hash, deck, handSize);
            Assert.True(ShuffleShardDealer.IsHandOf(packed, ShuffleShardDealer.Tag(deck, handSize)));
            for (int i = 0; i < handSize; i++) Assert.Equal(dealt[i], ShuffleShardDealer.Card(packed, i, bits));
        }
    }

    [Theory]
    [InlineData(128, 7)]    // 7 bits × 7 = 49 > 48
    [InlineData(64, 9)]
    [InlineData(1024, 2)]   // the deck does not fit its field
    [InlineData(64, 32)]
    [InlineData(4, 5)]      // more cards than the deck has
    [InlineData(0, 1)]
    [InlineData(8, 0)]
    public void A_hand_that_does_not_fit_is_not_packed(int deck, int handSize) =>
        Assert.Equal(0UL, ShuffleShardDealer.Pack(12345, deck, handSize));

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(64, 6)]
    [InlineData(65, 7)]
    [InlineData(1023, 10)]
    public void A_card_takes_the_bits_of_the_largest_card(int deck, int bits) =>
        Assert.Equal(bits, ShuffleShardDealer.CardBits(deck));

    [Fact]
    public void A_hand_names_the_shape_it_was_dealt_for()
    {
        ulong packed = ShuffleShardDealer.Pack(0xDEADBEEF, 64, 6);
        Assert.True(ShuffleShardDealer.IsHandOf(packed, ShuffleShardDealer.Tag(64, 6)));
        Assert.False(ShuffleShardDealer.IsHandOf(packed, ShuffleShardDealer.Tag(64, 8)));
        Assert.False(ShuffleShardDealer.IsHandOf(packed, ShuffleShardDealer.Tag(128, 6)));
        Assert.False(ShuffleShardDealer.IsHandOf(0, ShuffleShardDealer.Tag(64, 6)));
    }

    [Fact]
    public void Classification_deals_the_hand_of_the_flows_level_once()
    {
        var config = ApfFixtures.OneLevel(queues: 64, handSize: 6);
        var alice = ApfFixtures.User(config, "alice");
        Assert.NotEqual(0UL, alice.FlowHash);
        Assert.Equal(ShuffleShardDealer.Pack(alice.FlowHash, 64, 6), alice.Hand);
        Assert.NotEqual(alice.Hand, ApfFixtures.User(config, "bob").Hand);
        // A level without queues has no hand (and no flow hash).
        var single = ApfFixtures.OneLevel(queues: 1, handSize: 1);
        Assert.Equal(0UL, ApfFixtures.User(single, "alice").Hand);
    }

    /// <summary>
    /// The same flows queuing for a small level, each request classified with its packed hand, with none, and with a
    /// hand of another shape (which the queue set must ignore): every request is dispatched at the same moment.
    /// </summary>
    [Fact]
    public void A_queue_set_picks_the_same_queues_with_the_packed_hand_as_by_dealing()
    {
        long[] Run(Func<Classification, Classification> hand)
        {
            var config = ApfFixtures.OneLevel(shares: 4, queues: 16, handSize: 3, queueLengthLimit: 1000);
            var host = new ApfTestHost().Start(config, 9);
            var work = WorkEstimator.ForGet();
            for (int f = 0; f < 12; f++)
                host.StartClients(f * 100, 5 + f, hand(ApfFixtures.User(config, $"user-{f}")), work, SimTime.FromMilliseconds(40 + 7 * f), flow: f % 16);
            host.RunFor(30);
            Assert.True(host.DispatchCount > 1000);
            return host.DispatchedAt.ToArray();
        }

        var packed = Run(c => c);
        Assert.Equal(packed, Run(c => c with { Hand = 0 }));
        Assert.Equal(packed, Run(c => c with { Hand = ShuffleShardDealer.Pack(c.FlowHash, 64, 6) }));
    }
}
