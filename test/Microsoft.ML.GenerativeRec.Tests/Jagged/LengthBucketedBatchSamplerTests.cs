using Microsoft.ML.GenerativeRec.Jagged;

namespace Microsoft.ML.GenerativeRec.Tests.Jagged;

[TestClass]
public sealed class LengthBucketedBatchSamplerTests
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void GetBatches_AnyMode_CoversEveryIndexOnce(bool shuffle)
    {
        var sampler = new LengthBucketedBatchSampler(SkewedLengths(1000, seed: 1), batchSize: 32, seed: 1, shuffle, bucketBatches: 4);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var indices = sampler.GetBatches(epoch).SelectMany(batch => batch).Order().ToArray();

            CollectionAssert.AreEqual(Enumerable.Range(0, 1000).ToArray(), indices, $"epoch {epoch}");
        }
    }

    [TestMethod]
    public void GetBatches_CountNotMultipleOfBatchSize_FillsAllBatchesButOne()
    {
        var sampler = new LengthBucketedBatchSampler(SkewedLengths(1000, seed: 1), batchSize: 32, seed: 1, bucketBatches: 4);

        var sizes = sampler.GetBatches(0).Select(batch => batch.Length).ToArray();

        Assert.HasCount(32, sizes);                                  // ceil(1000 / 32)
        Assert.AreEqual(31, sizes.Count(size => size == 32));
        Assert.AreEqual(1, sizes.Count(size => size == 8));          // 1000 − 31 · 32
    }

    [TestMethod]
    public void GetBatches_SameSeedAndEpoch_ReturnsSameBatches()
    {
        var lengths = SkewedLengths(500, seed: 2);
        var first = new LengthBucketedBatchSampler(lengths, batchSize: 16, seed: 7);
        var second = new LengthBucketedBatchSampler(lengths, batchSize: 16, seed: 7);

        var expected = first.GetBatches(3);
        var actual = second.GetBatches(3);

        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"batch {i}");
    }

    [TestMethod]
    public void GetBatches_DifferentEpochs_ReturnDifferentOrders()
    {
        var sampler = new LengthBucketedBatchSampler(SkewedLengths(500, seed: 2), batchSize: 16, seed: 7);

        var epoch0 = sampler.GetBatches(0).SelectMany(batch => batch).ToArray();
        var epoch1 = sampler.GetBatches(1).SelectMany(batch => batch).ToArray();

        CollectionAssert.AreNotEqual(epoch0, epoch1);
    }

    [TestMethod]
    public void GetBatches_DifferentSeeds_ReturnDifferentOrders()
    {
        var lengths = SkewedLengths(500, seed: 2);

        var seed1 = new LengthBucketedBatchSampler(lengths, batchSize: 16, seed: 1).GetBatches(0).SelectMany(b => b).ToArray();
        var seed2 = new LengthBucketedBatchSampler(lengths, batchSize: 16, seed: 2).GetBatches(0).SelectMany(b => b).ToArray();

        CollectionAssert.AreNotEqual(seed1, seed2);
    }

    [TestMethod]
    public void GetBatches_SkewedLengths_PadsFarLessThanRandomBatches()
    {
        var lengths = SkewedLengths(4096, seed: 3);
        var bucketed = new LengthBucketedBatchSampler(lengths, batchSize: 32, seed: 1, bucketBatches: 32);
        var random = new LengthBucketedBatchSampler(lengths, batchSize: 32, seed: 1, bucketBatches: 1);   // no bucketing

        double bucketedPadding = MeanPadding(bucketed.GetBatches(0), lengths);
        double randomPadding = MeanPadding(random.GetBatches(0), lengths);

        Assert.IsLessThan(0.1 * randomPadding, bucketedPadding, $"bucketed {bucketedPadding}, random {randomPadding}");
    }

    [TestMethod]
    public void GetBatches_OneChunk_BatchesAreDisjointLengthRanges()
    {
        var lengths = SkewedLengths(200, seed: 4);
        var sampler = new LengthBucketedBatchSampler(lengths, batchSize: 10, seed: 1, bucketBatches: 20);   // 200 = one chunk

        var ranges = sampler.GetBatches(0).Select(b => (Min: b.Min(i => lengths[i]), Max: b.Max(i => lengths[i])))
            .OrderBy(r => r.Min).ThenBy(r => r.Max).ToArray();

        for (int i = 1; i < ranges.Length; i++)
            Assert.IsLessThanOrEqualTo(ranges[i].Min, ranges[i - 1].Max, $"batch ranges {ranges[i - 1]} and {ranges[i]} overlap");
    }

    [TestMethod]
    public void GetBatches_NoShuffle_SortsByLengthThenIndex()
    {
        var sampler = new LengthBucketedBatchSampler(new[] { 3, 1, 2, 1, 0 }, batchSize: 2, seed: 1, shuffle: false);

        var batches = sampler.GetBatches(5);

        Assert.HasCount(3, batches);
        CollectionAssert.AreEqual(new[] { 4, 1 }, batches[0]);       // lengths 0, 1
        CollectionAssert.AreEqual(new[] { 3, 2 }, batches[1]);       // lengths 1 (tie: index 1 before 3), 2
        CollectionAssert.AreEqual(new[] { 0 }, batches[2]);          // length 3
    }

    [TestMethod]
    public void GetBatches_NoSequences_ReturnsNoBatches()
    {
        var sampler = new LengthBucketedBatchSampler(Array.Empty<int>(), batchSize: 4, seed: 1);

        var batches = sampler.GetBatches(0);

        Assert.IsEmpty(batches);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-3)]
    public void Constructor_NonPositiveBatchSize_ThrowsArgumentOutOfRange(int batchSize)
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new LengthBucketedBatchSampler(new[] { 1, 2 }, batchSize, seed: 1));

        Assert.AreEqual("batchSize", error.ParamName);
        Assert.AreEqual(batchSize, error.ActualValue);
    }

    [TestMethod]
    public void Constructor_NonPositiveBucketBatches_ThrowsArgumentOutOfRange()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new LengthBucketedBatchSampler(new[] { 1, 2 }, batchSize: 2, seed: 1, bucketBatches: 0));

        Assert.AreEqual("bucketBatches", error.ParamName);
    }

    [TestMethod]
    public void Constructor_NegativeLength_ThrowsArgumentOutOfRange()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new LengthBucketedBatchSampler(new[] { 1, -2, 3 }, batchSize: 2, seed: 1));

        Assert.AreEqual("lengths", error.ParamName);
        Assert.AreEqual(-2, error.ActualValue);
    }

    [TestMethod]
    public void GetBatches_NegativeEpoch_ThrowsArgumentOutOfRange()
    {
        var sampler = new LengthBucketedBatchSampler(new[] { 1, 2 }, batchSize: 2, seed: 1);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => sampler.GetBatches(-1));

        Assert.AreEqual("epoch", error.ParamName);
    }

    // Mean over batches of Σ(max length − length), the padded slots of a dense [B, N] batch.
    private static double MeanPadding(IReadOnlyList<int[]> batches, int[] lengths)
        => batches.Average(batch => batch.Sum(i => batch.Max(j => lengths[j]) - lengths[i]));

    // Mostly short sequences with a long tail, like user histories: ⌊2^(8u)⌋ for u uniform in [0, 1).
    private static int[] SkewedLengths(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (int)Math.Pow(2, 8 * random.NextDouble()))];
    }
}
