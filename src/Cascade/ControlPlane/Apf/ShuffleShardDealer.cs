using System.Numerics;

namespace Cascade.ControlPlane.Apf;

// Stands for: k8s.io/apiserver/pkg/util/shufflesharding (Dealer.Deal / ValidateParameters). Keeps the exact
// deal: the flow hash is read as a mixed-radix number whose digits (base deckSize, deckSize−1, …) pick
// distinct cards, so a flow always gets the same hand and two flows rarely share a whole hand. Nothing left out.
// Since a flow's hand never changes, it can be dealt once and kept with the flow, packed in one word (Pack).

public static class ShuffleShardDealer
{
    // shufflesharding.go maxHashBits: the hash must hold log2(deckSize) × handSize bits.
    private const int MaxHashBits = 60;

    public static bool ValidParameters(int deckSize, int handSize) =>
        handSize > 0 && deckSize > 0 && handSize <= deckSize && Math.Log2(deckSize) * handSize <= MaxHashBits;

    /// <summary>Deals <c>hand.Length</c> distinct queue indices in [0, deckSize) from <paramref name="hashValue"/>.</summary>
    public static void Deal(ulong hashValue, int deckSize, Span<int> hand)
    {
        int handSize = hand.Length;
        Span<int> remainders = stackalloc int[handSize];
        for (int i = 0; i < handSize; i++)
        {
            ulong radix = (ulong)(deckSize - i);
            ulong next = hashValue / radix;
            remainders[i] = (int)(hashValue - radix * next);
            hashValue = next;
        }
        for (int i = 0; i < handSize; i++)
        {
            int card = remainders[i];
            for (int j = i; j > 0; j--)
            {
                if (card >= remainders[j - 1]) card++;
            }
            hand[i] = card;
        }
    }

    /// <summary>
    /// The hand <see cref="Deal"/> gives, packed in one word for a caller to keep with its flow. The word names the
    /// deal it holds (<see cref="Tag"/>: bit 63, the deck size in bits 48–57, the hand size in bits 58–62), so a queue
    /// set of another shape never reads it; card i is in bits [i·b, (i+1)·b), b = <see cref="CardBits"/>(deckSize).
    /// 0 when the hand does not fit in 48 bits (or the deck exceeds 1,023 cards, the hand 31).
    /// </summary>
    public static ulong Pack(ulong hashValue, int deckSize, int handSize)
    {
        if (deckSize <= 0 || handSize <= 0 || handSize > deckSize || deckSize > 1023 || handSize > 31) return 0;
        int bits = CardBits(deckSize);
        if (bits * handSize > 48) return 0;
        Span<int> hand = stackalloc int[handSize];
        Deal(hashValue, deckSize, hand);
        ulong packed = Tag(deckSize, handSize);
        for (int i = 0; i < handSize; i++) packed |= (ulong)hand[i] << (i * bits);
        return packed;
    }

    /// <summary>The high bits of a hand <see cref="Pack"/> dealt from a <paramref name="deckSize"/>-card deck, <paramref name="handSize"/> cards.</summary>
    public static ulong Tag(int deckSize, int handSize) => 1UL << 63 | (ulong)(handSize & 31) << 58 | (ulong)(deckSize & 1023) << 48;

    /// <summary>True if <paramref name="packed"/> is a hand of this deal's shape.</summary>
    public static bool IsHandOf(ulong packed, ulong tag) => (packed & 0xFFFF_0000_0000_0000UL) == tag;

    /// <summary>Bits a card of a <paramref name="deckSize"/>-card deck takes in a packed hand: ⌈log2 deckSize⌉, at least 1.</summary>
    public static int CardBits(int deckSize) => deckSize <= 2 ? 1 : 32 - BitOperations.LeadingZeroCount((uint)(deckSize - 1));

    /// <summary>Card <paramref name="i"/> of a hand <see cref="Pack"/> made with cards of <paramref name="bits"/> bits.</summary>
    public static int Card(ulong packed, int i, int bits) => (int)((packed >> (i * bits)) & ((1UL << bits) - 1));
}
