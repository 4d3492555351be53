using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>HSTU's time buckets in ONNX operators: bucket(t[i + 1] − t[j]) for every query i and key j (hstu-spec.md §3.4).</summary>
/// <remarks>
/// <para>
/// bucket(Δ) = clamp(floor(ln(max(|Δ|, 1)) / 0.301), 0, 128) in float32 as <see cref="RelativeAttentionBias.Bucketize"/>
/// computes it: Abs and Max on int64, Cast to float32, Log, Div by 0.301f, Floor, Cast to int64, Clip.
/// </para>
/// <para>
/// Right at a bucket boundary e^(0.301·b) the float32 logarithm decides the bucket, and two implementations that are
/// each within an ulp of ln disagree there: with ONNX Runtime's Log, 9,920 of the 3.4 million gaps that
/// <c>OnnxTimeBucketWriterTests</c> sweeps landed one bucket away from libtorch's; with ln computed in double and rounded
/// once, 58 still did, because libtorch's vectorised logf is not correctly rounded either. So the graph then compares
/// the gap with the boundaries as libtorch draws them: <see cref="Boundaries"/> finds, with
/// <see cref="RelativeAttentionBias.Bucketize"/> itself, the smallest whole gap of every bucket, and the estimate moves
/// one bucket up or down when the gap lies across its boundary. The buckets then equal TorchSharp's wherever its own
/// bucket grows with the gap (docs/onnx.md).
/// </para>
/// </remarks>
internal sealed class OnnxTimeBucketWriter(OnnxGraph graph)
{
    /// <summary>The buckets of one batch, shared by every block.</summary>
    /// <param name="timestamps">[B, W + 1] int64 seconds, the request time at column L_b.</param>
    /// <param name="widthVector">[1] int64 W.</param>
    /// <returns>[B, W, W] int64.</returns>
    public string Write(string timestamps, string widthVector)
    {
        var g = graph;
        var next = g.Unsqueeze(g.Slice(timestamps, g.Int64s(1), g.Add(widthVector, g.Int64s(1)), axis: 1), 2);   // [B, W, 1]: t[i + 1]
        var keys = g.Unsqueeze(g.Slice(timestamps, g.Int64s(0), widthVector, axis: 1), 1);                       // [B, 1, W]: t[j]
        return Bucketize(g.Sub(next, keys));                                                                      // [B, W, W]
    }

    /// <summary>bucket(Δ) of every element.</summary>
    /// <param name="deltaSeconds">int64 gaps in seconds, any shape.</param>
    /// <returns>int64 buckets in 0..128, the same shape.</returns>
    public string Bucketize(string deltaSeconds)
    {
        var g = graph;
        var zero = g.Scalar(0L);
        var highest = g.Scalar(RelativeAttentionBias.NumberOfBuckets);
        var magnitude = g.Max(g.Abs(deltaSeconds), g.Scalar(1L));                                                 // int64, |Δ| ≥ 1
        var logarithm = g.Cast(g.Log(g.Cast(g.Cast(magnitude, typeof(float)), typeof(double))), typeof(float)); // ln of the float32 |Δ|, rounded once
        var estimate = g.Clip(g.Cast(g.Floor(g.Div(logarithm, g.Scalar(RelativeAttentionBias.TimeBucketLogDivisor))), typeof(long)), zero, highest);

        // Boundaries[b] is the smallest gap libtorch puts in bucket b or above: Boundaries[0] = 1, Boundaries[129] = +∞.
        var boundaries = g.Int64s("time_bucket_boundaries", Boundaries(), RelativeAttentionBias.NumberOfBuckets + 2);
        var up = g.Cast(g.Not(g.Less(magnitude, g.Gather(boundaries, g.Add(estimate, g.Scalar(1L))))), typeof(long));   // |Δ| ≥ start of the next bucket
        var down = g.Cast(g.Less(magnitude, g.Gather(boundaries, estimate)), typeof(long));                              // |Δ| < start of this bucket
        return g.Clip(g.Sub(g.Add(estimate, up), down), zero, highest);
    }

    /// <summary>The smallest whole gap of each bucket 0..128 as <see cref="RelativeAttentionBias.Bucketize"/> computes it, then +∞.</summary>
    /// <returns>130 non-decreasing int64 values: [0] = 1, [b] = min{ m ≥ 1 : bucket(m) ≥ b }, [129] = <see cref="long.MaxValue"/>.</returns>
    /// <remarks>One binary search per bucket over 1..2^63 − 1, all 128 run together: 63 calls of Bucketize on 128 gaps.</remarks>
    internal static long[] Boundaries()
    {
        int buckets = (int)RelativeAttentionBias.NumberOfBuckets;
        var low = new long[buckets];
        var high = new long[buckets];
        Array.Fill(low, 1L);
        Array.Fill(high, long.MaxValue);                         // bucket(2^63 − 1) = 128 ≥ every b
        var middle = new long[buckets];
        while (!low.AsSpan().SequenceEqual(high))
        {
            for (int i = 0; i < buckets; i++)
            {
                middle[i] = low[i] + ((high[i] - low[i]) / 2);
            }

            long[] reached;
            using (var scope = NewDisposeScope())
            {
                reached = RelativeAttentionBias.Bucketize(tensor(middle)).data<long>().ToArray();
            }

            for (int i = 0; i < buckets; i++)
            {
                if (reached[i] >= i + 1)
                {
                    high[i] = middle[i];
                }
                else
                {
                    low[i] = middle[i] + 1;
                }
            }
        }

        return [1L, .. low, long.MaxValue];
    }
}
