namespace Microsoft.ML.GenerativeRec.Jagged;

/// <summary>Groups sequences of similar length into batches, so padded batches waste little compute.</summary>
/// <remarks>
/// <para>
/// With <c>shuffle</c> on (training), each epoch: shuffle all sequence indices; cut them into chunks of
/// <c>batchSize</c> × <c>bucketBatches</c>; sort each chunk by length, stably, so equal lengths keep
/// their shuffled order; cut each sorted chunk into batches of <c>batchSize</c>; shuffle the batch order.
/// Batches are length-homogeneous, yet each epoch sees different batch mates and a different batch order. With
/// <c>shuffle</c> off (evaluation), all indices are sorted by length, ties by index, then cut into batches.
/// </para>
/// <para>
/// Every index appears in exactly one batch per epoch. Chunks are whole multiples of <c>batchSize</c> but
/// the last, so every batch is full except at most one, which holds the remainder. The random stream is a
/// <see cref="Random"/> seeded from (seed, epoch) by a fixed mix, never <see cref="HashCode"/> (randomised per
/// process): the batches are the same in every run on the same .NET version, and differ between epochs without
/// reseeding from the same value each epoch.
/// </para>
/// </remarks>
internal sealed class LengthBucketedBatchSampler
{
    /// <summary>The default number of batches whose sequences are sorted together.</summary>
    internal const int DefaultBucketBatches = 32;

    private readonly int[] _lengths;
    private readonly int _batchSize;
    private readonly int _bucketBatches;
    private readonly bool _shuffle;
    private readonly int _seed;

    /// <summary>Creates a sampler over sequences of the given lengths.</summary>
    /// <param name="lengths">The length of each sequence; index i of a batch refers to <paramref name="lengths"/>[i]. Copied.</param>
    /// <param name="batchSize">The number of sequences per batch; positive.</param>
    /// <param name="seed">The seed of the shuffles, combined with the epoch.</param>
    /// <param name="shuffle">Whether to shuffle (training) or sort by length only (evaluation).</param>
    /// <param name="bucketBatches">How many batches' worth of shuffled sequences are sorted together; positive.
    /// Larger gives more homogeneous batches and less randomness. Default <see cref="DefaultBucketBatches"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lengths"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is negative, or a size isn't positive.</exception>
    public LengthBucketedBatchSampler(IReadOnlyList<int> lengths, int batchSize, int seed, bool shuffle = true,
        int bucketBatches = DefaultBucketBatches)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if (bucketBatches <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bucketBatches), bucketBatches,
                "The number of batches per bucket must be positive; use 1 for batches of random lengths.");
        }
        _lengths = [.. lengths];
        int negative = Array.FindIndex(_lengths, length => length < 0);
        if (negative >= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lengths), _lengths[negative],
                $"The length of sequence {negative} must be non-negative.");
        }
        _batchSize = batchSize;
        _bucketBatches = bucketBatches;
        _shuffle = shuffle;
        _seed = seed;
    }

    /// <summary>Gets the number of sequences sampled each epoch.</summary>
    public int SequenceCount => _lengths.Length;

    /// <summary>Returns the batches of sequence indices for one epoch.</summary>
    /// <param name="epoch">The 0-based epoch; the same epoch always gives the same batches. Ignored when
    /// <c>shuffle</c> is off.</param>
    /// <returns>The batches, in the order to train on them; a new list at each call.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public IReadOnlyList<int[]> GetBatches(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        int[] order = [.. Enumerable.Range(0, _lengths.Length)];
        var batches = new List<int[]>((order.Length + _batchSize - 1) / _batchSize);
        if (!_shuffle)
        {
            SortByLength(order);
            AddBatches(order, batches);
            return batches;
        }

        var random = new Random(EpochSeed(_seed, epoch));
        random.Shuffle(order);
        int chunkSize = (int)Math.Min((long)_batchSize * _bucketBatches, int.MaxValue);
        for (int start = 0; start < order.Length; start += chunkSize)
        {
            var chunk = order.AsSpan(start, Math.Min(chunkSize, order.Length - start));
            SortByLength(chunk);
            AddBatches(chunk, batches);
        }
        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }

    // Sorts indices by length, ties kept in their current order: keys (length, position) are unique, so the
    // unstable introsort gives the stable order.
    private void SortByLength(Span<int> indices)
    {
        var keys = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
            keys[i] = ((long)_lengths[indices[i]] << 32) | (uint)i;
        keys.AsSpan().Sort(indices);
    }

    private void AddBatches(ReadOnlySpan<int> sorted, List<int[]> batches)
    {
        for (int start = 0; start < sorted.Length; start += _batchSize)
            batches.Add(sorted.Slice(start, Math.Min(_batchSize, sorted.Length - start)).ToArray());
    }

    // SplitMix64's finaliser over (seed, epoch): nearby pairs give unrelated seeds, the same pair the same one.
    private static int EpochSeed(int seed, int epoch)
    {
        ulong z = ((ulong)(uint)seed << 32) | (uint)epoch;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }
}
