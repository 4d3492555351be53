using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>An HSTU or SASRec encoder in ONNX operators: the input embedding, then each block (hstu-spec.md §3, §4).</summary>
/// <remarks>
/// The same computation as <see cref="StackedEncoder{TBlock}.forward"/> in evaluation mode on the batch that
/// <see cref="OnnxHistoryWriter"/> builds: item embedding × √D plus the learned position, zero rows at padding, no final
/// norm. Dropout is the identity at inference and is left out.
/// </remarks>
internal sealed class OnnxEncoderWriter(OnnxGraph graph)
{
    /// <summary>Writes the encoder.</summary>
    /// <param name="encoder">An <see cref="HstuEncoder"/> or a <see cref="SasRecEncoder"/>.</param>
    /// <param name="history">The batch.</param>
    /// <returns>[B, W, D] per-position outputs, zero rows at padding; not normalised.</returns>
    /// <exception cref="NotSupportedException">The encoder is of another type.</exception>
    public string Write(ISequenceEncoder encoder, OnnxHistory history)
    {
        var masks = Masks(encoder, history);
        return encoder switch
        {
            HstuEncoder hstu => Blocks(hstu, history, masks, new OnnxHstuBlockWriter(graph, hstu.Shape).Write),
            SasRecEncoder sasRec => Blocks(sasRec, history, masks, new OnnxSasRecBlockWriter(graph, sasRec.Shape).Write),
            _ => throw new NotSupportedException($"An encoder of type {encoder.GetType().Name} cannot be exported to ONNX."),
        };
    }

    private string Blocks<TBlock>(StackedEncoder<TBlock> encoder, OnnxHistory history, OnnxAttentionMasks masks,
        Func<TBlock, string, string, OnnxAttentionMasks, string> writeBlock)
        where TBlock : TorchSharp.torch.nn.Module, IEncoderBlock
    {
        var x = Embed(encoder.Input, history);
        for (int b = 0; b < encoder.Blocks.Count; b++)
        {
            x = writeBlock(encoder.Blocks[b], $"blocks.{b}", x, masks);                           // [B, W, D]
        }

        return x;
    }

    // InputEmbedding.forward: E[ids] · √D + P[:W], zeroed at padding (ids are 0 exactly at positions ≥ L_b).
    private string Embed(InputEmbedding input, OnnxHistory history)
    {
        var g = graph;
        var items = g.Gather(OnnxWeights.Add(g, "input.item_emb", input.ItemEmbeddings), history.Ids);                 // [B, W, D]
        var positions = g.Slice(OnnxWeights.Add(g, "input.pos_emb", input.PositionalEmbeddings), g.Int64s(0), history.WidthVector, axis: 0); // [W, D]
        return g.Mul(g.Add(g.Mul(items, g.Scalar((float)input.Scale)), positions), history.ValidMask);              // [B, W, D]
    }

    private OnnxAttentionMasks Masks(ISequenceEncoder encoder, OnnxHistory history)
    {
        var g = graph;
        var keys = g.Unsqueeze(history.Positions, 0);                                              // [1, W]: j
        var queries = g.Unsqueeze(history.Positions, 1);                                           // [W, 1]: i
        var causal = g.Less(keys, g.Add(queries, g.Scalar(1L)));                                   // [W, W] bool: j ≤ i
        if (encoder is not HstuEncoder)
        {
            return new OnnxAttentionMasks(history.ValidMask, causal, null, null);
        }

        var shape = encoder.Shape;
        var relative = g.Add(g.Sub(keys, queries), g.Scalar(shape.PaddedLength - 1));            // [W, W] int64 (N − 1) + j − i
        var buckets = shape.UseTimeBias ? new OnnxTimeBucketWriter(g).Write(history.Timestamps!, history.WidthVector) : null;  // [B, W, W]
        return new OnnxAttentionMasks(history.ValidMask, causal, relative, buckets);
    }
}
