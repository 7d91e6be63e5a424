namespace Cascade.ControlPlane.Apf;

// Stands for: k8s.io/apiserver/pkg/util/shufflesharding (Dealer.Deal / ValidateParameters). Keeps the exact
// deal: the flow hash is read as a mixed-radix number whose digits (base deckSize, deckSize−1, …) pick
// distinct cards, so a flow always gets the same hand and two flows rarely share a whole hand. Nothing left out.

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
}
