using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>HSTU's time buckets in ONNX operators: bucket(t[i + 1] − t[j]) for every query i and key j (hstu-spec.md §3.4).</summary>
/// <remarks>
/// <para>
/// bucket(Δ) = clamp(floor(ln(max(|Δ|, 1)) / 0.301), 0, 128) in float32 as <see cref="RelativeAttentionBias.Bucketize"/>
/// computes it: Abs and Max on int64, Cast to float32, Log, Div by 0.301f, Floor, Cast to int64, Clip.
/// </para>
/// <para>
/// One step differs in form: Log runs on the float32 value widened to double and its result is rounded back to float32,
/// so ln is correctly rounded. With ONNX Runtime's float32 Log, 9,920 of the 3.4 million gaps that
/// <c>OnnxTimeBucketWriterTests</c> sweeps (every gap up to 2^20 s, ±4096 s around every boundary) landed in another
/// bucket than TorchSharp's; with this, 58 do (29 magnitudes, all above 2^20 s), because libtorch's vectorised logf is
/// itself only within one ulp: each is a gap whose ln(|Δ|) / 0.301 is a whole number to float32 precision (docs/onnx.md).
/// </para>
/// </remarks>
internal sealed class OnnxTimeBucketWriter
{
    private readonly OnnxGraph _graph;

    public OnnxTimeBucketWriter(OnnxGraph graph)
    {
        _graph = graph;
    }

    /// <summary>The buckets of one batch, shared by every block.</summary>
    /// <param name="timestamps">[B, W + 1] int64 seconds, the request time at column L_b.</param>
    /// <param name="widthVector">[1] int64 W.</param>
    /// <returns>[B, W, W] int64.</returns>
    public string Write(string timestamps, string widthVector)
    {
        var g = _graph;
        var next = g.Unsqueeze(g.Slice(timestamps, g.Int64s(1), g.Add(widthVector, g.Int64s(1)), axis: 1), 2);   // [B, W, 1]: t[i + 1]
        var keys = g.Unsqueeze(g.Slice(timestamps, g.Int64s(0), widthVector, axis: 1), 1);                       // [B, 1, W]: t[j]
        return Bucketize(g.Sub(next, keys));                                                                      // [B, W, W]
    }

    /// <summary>bucket(Δ) of every element.</summary>
    /// <param name="deltaSeconds">int64 gaps in seconds, any shape.</param>
    /// <returns>int64 buckets in 0..128, the same shape.</returns>
    public string Bucketize(string deltaSeconds)
    {
        var g = _graph;
        var magnitude = g.Cast(g.Max(g.Abs(deltaSeconds), g.Scalar(1L)), typeof(float));                 // int64 → float32 like torch
        var logarithm = g.Cast(g.Log(g.Cast(magnitude, typeof(double))), typeof(float));                // ln, rounded once to float32
        var buckets = g.Cast(g.Floor(g.Div(logarithm, g.Scalar(RelativeAttentionBias.TimeBucketLogDivisor))), typeof(long));
        return g.Clip(buckets, g.Scalar(0L), g.Scalar(RelativeAttentionBias.NumberOfBuckets));
    }
}
