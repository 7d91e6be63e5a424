namespace Cascade.Engine;

/// <summary>
/// Splits one run seed into named, independent streams (FoundationDB-style deterministic simulation).
/// A stream's seed depends only on the run seed and the stream's name, never on which other streams
/// exist or in what order they were asked for, so adding a component does not shift the randomness
/// another component sees.
/// </summary>
public sealed class RandomStreams
{
    public RandomStreams(ulong seed) => Seed = seed;

    public ulong Seed { get; }

    /// <summary>A fresh stream for <paramref name="name"/>; the same name always yields the same sequence.</summary>
    public RandomStream Stream(string name) => new(Derive(Seed, name));

    /// <summary>A stream for the <paramref name="index"/>-th member of a family (e.g. node 1234's kubelet).</summary>
    public RandomStream Stream(string name, long index)
    {
        ulong x = Derive(Seed, name) ^ (ulong)index * 0xD6E8FEB86659FD93UL;
        return new RandomStream(RandomStream.SplitMix64(ref x));
    }

    public static ulong Derive(ulong seed, string name)
    {
        // FNV-1a over the UTF-16 code units: stable across processes and runtimes (string.GetHashCode is not).
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in name)
        {
            h ^= c;
            h *= 0x100000001B3UL;
        }
        ulong x = seed ^ h;
        return RandomStream.SplitMix64(ref x);
    }
}
