using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>One <see cref="SasRecBlock"/> in ONNX operators: causal softmax attention on a normalised query, then the feed-forward part (hstu-spec.md §4).</summary>
/// <remarks>The same computation as <see cref="SasRecBlock.forward"/> in evaluation mode (no dropout), attention written out as softmax(QKᵀ/√Dh) · V.</remarks>
internal sealed class OnnxSasRecBlockWriter(OnnxGraph graph, EncoderShape shape)
{
    /// <summary>Writes the block.</summary>
    /// <param name="block">The trained block, whose weights become constants.</param>
    /// <param name="name">The block's name in the graph, e.g. <c>blocks.0</c>.</param>
    /// <param name="x">[B, W, D], zero rows at padding.</param>
    /// <param name="masks">The batch's masks.</param>
    /// <returns>[B, W, D], zero rows at padding.</returns>
    public string Write(SasRecBlock block, string name, string x, OnnxAttentionMasks masks)
    {
        var g = graph;
        long dimension = shape.EmbeddingDimension;
        long heads = shape.NumberOfHeads;
        long headWidth = dimension / heads;
        using var scope = NewDisposeScope();
        var weights = block.InProjectionWeight.chunk(3, 0);                                        // 3 × [D, D]: Q, K, V
        var biases = block.InProjectionBias.chunk(3, 0);                                           // 3 × [D]
        string Project(string input, int part, string partName)
            => g.Linear(input, OnnxWeights.AddTransposed(g, $"{name}.in_proj_weight.{partName}", weights[part]),
                OnnxWeights.Add(g, $"{name}.in_proj_bias.{partName}", biases[part]));

        var query = g.LayerNorm(x, SasRecBlock.LayerNormEpsilon);                                  // [B, W, D]
        var q = g.Transpose(g.Reshape(Project(query, 0, "q"), 0, 0, heads, headWidth), 0, 2, 1, 3);   // [B, H, W, Dh]
        var keys = g.Transpose(g.Reshape(Project(x, 1, "k"), 0, 0, heads, headWidth), 0, 2, 3, 1);   // [B, H, Dh, W]
        var v = g.Transpose(g.Reshape(Project(x, 2, "v"), 0, 0, heads, headWidth), 0, 2, 1, 3);      // [B, H, W, Dh]
        var scores = g.Mul(g.MatMul(q, keys), g.Scalar((float)(1 / Math.Sqrt(headWidth))));       // [B, H, W, W]
        var masked = g.Where(masks.Causal, scores, g.Scalar(float.NegativeInfinity));               // the diagonal is always visible
        var attended = g.MatMul(g.Softmax(masked, -1), v);                                          // [B, H, W, Dh]
        var merged = g.Reshape(g.Transpose(attended, 0, 2, 1, 3), 0, 0, dimension);                // [B, W, D]
        var projected = Linear(merged, block.OutProjection, $"{name}.out_proj");                   // [B, W, D]
        var z = g.LayerNorm(g.Add(query, projected), SasRecBlock.LayerNormEpsilon);                 // [B, W, D]
        var hidden = g.Relu(Linear(z, block.FeedForward1, $"{name}.conv1"));                       // [B, W, FFN]
        return g.Mul(g.Add(z, Linear(hidden, block.FeedForward2, $"{name}.conv2")), masks.ValidMask);  // [B, W, D]
    }

    private string Linear(string x, TorchSharp.Modules.Linear layer, string name)
        => graph.Linear(x, OnnxWeights.AddTransposed(graph, $"{name}.weight", layer.weight!), OnnxWeights.Add(graph, $"{name}.bias", layer.bias!));
}
