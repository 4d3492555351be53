namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// The seeds of the independent random streams of one <c>Fit</c>, derived from its one seed: weight initialisation,
/// dropout and negative sampling each get their own, so no stream replays another.
/// </summary>
/// <remarks>
/// Torch's generators are all Mersenne Twisters: seeded with the same number, the negative sampler drew the very values
/// that had initialised the weights. Stream <c>s</c> (1 initialisation, 2 dropout, 3 negatives) is seeded with the
/// <c>s</c>-th output of SplitMix64 started at the 32-bit seed (Steele, Lea and Flood, "Fast splittable pseudorandom
/// number generators", 2014): a fixed mix, the same in every process, unlike <see cref="HashCode"/>. The batch order
/// has its own generator (<see cref="Jagged.LengthBucketedBatchSampler"/>, a <see cref="Random"/> per epoch).
/// </remarks>
internal readonly record struct RandomStreams(ulong Initialisation, ulong Dropout, ulong Negatives)
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;         // SplitMix64's increment

    /// <summary>The streams of a run seeded with <paramref name="seed"/>.</summary>
    public static RandomStreams FromSeed(int seed)
        => new(SplitMix64((uint)seed, 1), SplitMix64((uint)seed, 2), SplitMix64((uint)seed, 3));

    // The n-th output of SplitMix64 from state `state`: state + n·γ, then its finaliser.
    private static ulong SplitMix64(ulong state, ulong n)
    {
        ulong z = state + (n * GoldenGamma);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
