using Microsoft.ML.GenerativeRec.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class RelativeAttentionBiasTests
{
    [TestMethod]
    [DataRow(1L, 0L)]               // ln 1 = 0
    [DataRow(10L, 7L)]              // ln 10 / 0.301 = 7.65
    [DataRow(60L, 13L)]             // ln 60 / 0.301 = 13.60
    [DataRow(3600L, 27L)]           // ln 3600 / 0.301 = 27.20
    [DataRow(86400L, 37L)]          // ln 86400 / 0.301 = 37.76
    [DataRow(2592000L, 49L)]        // 30 days: ln 2592000 / 0.301 = 49.06 (hstu-spec.md §3.4 example)
    [DataRow(0L, 0L)]               // |Δ| is floored at 1 before the log
    [DataRow(-60L, 13L)]            // the sign is dropped: same as 60
    [DataRow(-1L, 0L)]              // |−1| = 1
    [DataRow(1000000000000000000L, 128L)]   // ln 1e18 / 0.301 = 137.7, clamped to 128 buckets
    public void Bucketize_Seconds_MatchesLogBucket(long deltaSeconds, long expected)
    {
        using var delta = tensor(new[] { deltaSeconds });

        using var bucket = RelativeAttentionBias.Bucketize(delta);

        Assert.AreEqual(ScalarType.Int64, bucket.dtype);
        Assert.AreEqual(expected, bucket.item<long>());
    }

    [TestMethod]
    public void Forward_HandSetPositionWeights_IsToeplitz()
    {
        using var bias = new RelativeAttentionBias(paddedLength: 3);
        using (no_grad())
            bias.PositionWeights.copy_(tensor(new float[] { 10, 20, 30, 40, 50 }));   // 2N − 1 = 5 weights

        using var full = bias.forward(null, 3);
        using var shorter = bias.forward(null, 2);

        // rab[i, j] = pos_w[(N − 1) + j − i] = pos_w[2 + j − i].
        CollectionAssert.AreEqual(new long[] { 1, 3, 3 }, full.shape);
        CollectionAssert.AreEqual(new float[] { 30, 40, 50, 20, 30, 40, 10, 20, 30 }, full.data<float>().ToArray());
        // A shorter batch reads the same N-centred weights: the top-left 2 × 2 block.
        CollectionAssert.AreEqual(new float[] { 30, 40, 20, 30 }, shorter.data<float>().ToArray());
    }

    [TestMethod]
    public void Forward_Timestamps_AddsBucketWeightOfNextMinusKeyTime()
    {
        using var bias = new RelativeAttentionBias(paddedLength: 3);
        using (no_grad())
        {
            bias.PositionWeights.zero_();
            bias.TimeWeights.copy_(arange(129, ScalarType.Float32));   // ts_w[k] = k, so the bias shows the bucket
        }
        using var timestamps = tensor(new long[] { 0, 10, 70, 3670 }, 1, 4);   // [B = 1, n + 1 = 4], t_3 = request time

        using var buckets = RelativeAttentionBias.TimeBuckets(timestamps);
        using var rab = bias.forward(buckets, 3);

        // Δ[i, j] = t[i + 1] − t[j]: row 0 (t1 = 10): 10, 0, −60 → 7, 0, 13;
        // row 1 (t2 = 70): 70, 60, 0 → 14 (ln 70 / 0.301 = 14.11), 13, 0;
        // row 2 (t3 = 3670): 3670, 3660, 3600 → 27.27, 27.26, 27.20 → 27, 27, 27.
        CollectionAssert.AreEqual(new float[] { 7, 0, 13, 14, 13, 0, 27, 27, 27 }, rab.data<float>().ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 3, 3 }, rab.shape);
    }

    [TestMethod]
    public void Forward_NoTimestamps_LeavesTimeWeightsWithoutGradient()
    {
        using var bias = new RelativeAttentionBias(paddedLength: 4);

        using (var scope = NewDisposeScope())
            bias.forward(null, 4).sum().backward();

        Assert.IsNull(bias.TimeWeights.grad);
        Assert.IsNotNull(bias.PositionWeights.grad);
    }

    [TestMethod]
    public void Constructor_PaddedLength_HasReferenceParameterShapes()
    {
        using var bias = new RelativeAttentionBias(paddedLength: 211);

        var shapes = bias.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape[0]);

        Assert.AreEqual(421L, shapes["pos_w"]);    // 2·211 − 1 (hstu-spec.md §3.4, ML)
        Assert.AreEqual(129L, shapes["ts_w"]);     // 128 buckets + 1
    }
}
