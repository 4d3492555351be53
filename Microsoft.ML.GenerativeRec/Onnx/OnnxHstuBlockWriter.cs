using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>One <see cref="HstuBlock"/> in ONNX operators: pointwise SiLU attention with the relative bias, gated by U (hstu-spec.md §3.3).</summary>
/// <remarks>
/// The same computation as <see cref="HstuBlock.forward"/> on a right-padded batch. One difference in form: the block
/// adds −10⁹ above the diagonal and relies on SiLU being exactly 0 there; the graph sets those weights to 0 with a Where
/// on the causal mask instead, so the result does not depend on how a runtime approximates Sigmoid far from 0 (ONNX
/// does not specify its accuracy).
/// </remarks>
internal sealed class OnnxHstuBlockWriter(OnnxGraph graph, EncoderShape shape)
{
    /// <summary>Writes the block.</summary>
    /// <param name="block">The trained block, whose weights become constants.</param>
    /// <param name="name">The block's name in the graph, e.g. <c>blocks.0</c>.</param>
    /// <param name="x">[B, W, D], zero rows at padding.</param>
    /// <param name="masks">The batch's masks and bias indices.</param>
    /// <returns>[B, W, D], zero rows at padding.</returns>
    public string Write(HstuBlock block, string name, string x, OnnxAttentionMasks masks)
    {
        var g = graph;
        long heads = shape.NumberOfHeads;
        long qk = shape.QueryKeyDimension;
        long dv = shape.ValueDimension;
        var normed = g.LayerNorm(x, HstuBlock.LayerNormEpsilon);                                     // [B, W, D]
        var uvqk = g.Silu(g.MatMul(normed, OnnxWeights.Add(g, $"{name}.uvqk", block.Uvqk)));      // [B, W, 2·H·Dv + 2·H·Dqk]
        var parts = g.Split(uvqk, heads * dv, heads * dv, heads * qk, heads * qk);
        var u = parts[0];                                                                           // [B, W, H·Dv]
        var v = g.Transpose(g.Reshape(parts[1], 0, 0, heads, dv), 0, 2, 1, 3);                     // [B, H, W, Dv]
        var q = g.Transpose(g.Reshape(parts[2], 0, 0, heads, qk), 0, 2, 1, 3);                     // [B, H, W, Dqk]
        var keys = g.Transpose(g.Reshape(parts[3], 0, 0, heads, qk), 0, 2, 3, 1);                  // [B, H, Dqk, W]

        var bias = g.Gather(OnnxWeights.Add(g, $"{name}.rel_attn_bias.pos_w", block.Bias.PositionWeights), masks.RelativePositions!); // [W, W]
        if (masks.TimeBuckets is { } buckets)
        {
            var time = g.Gather(OnnxWeights.Add(g, $"{name}.rel_attn_bias.ts_w", block.Bias.TimeWeights), buckets);                 // [B, W, W]
            bias = g.Add(bias, g.Unsqueeze(time, 1));                                               // [B, 1, W, W]
        }

        var scores = g.Add(g.MatMul(q, keys), bias);                                                // [B, H, W, W], no 1/√d
        var weights = g.Where(masks.Causal, g.Silu(scores), g.Scalar(0f));                          // 0 above the diagonal
        var attended = g.Div(g.MatMul(weights, v), g.Scalar((float)shape.PaddedLength));           // ÷N, not ÷L_b: §3.3
        var merged = g.Reshape(g.Transpose(attended, 0, 2, 1, 3), 0, 0, heads * dv);               // [B, W, H·Dv]
        var y = g.Mul(u, g.LayerNorm(merged, HstuBlock.LayerNormEpsilon));                          // [B, W, H·Dv]
        var output = g.Linear(y, OnnxWeights.AddTransposed(g, $"{name}.o.weight", block.Output.weight!),
            OnnxWeights.Add(g, $"{name}.o.bias", block.Output.bias!));                             // [B, W, D]
        return g.Mul(g.Add(x, output), masks.ValidMask);                                            // [B, W, D]
    }
}
