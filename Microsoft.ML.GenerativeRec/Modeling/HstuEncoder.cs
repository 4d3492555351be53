using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>The HSTU encoder: input embedding, stacked HSTU blocks, no final norm (hstu-spec.md §3).</summary>
/// <remarks>With the time bias on, <see cref="StackedEncoder{TBlock}.forward"/> needs timestamps [B, n + 1] with the request time at column L_b.</remarks>
internal sealed class HstuEncoder : StackedEncoder<HstuBlock>
{
    /// <summary>Builds and initialises the encoder.</summary>
    /// <param name="shape">Sizes and rates; validated here.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or rate of <paramref name="shape"/> is out of range.</exception>
    public HstuEncoder(EncoderShape shape)
        : base(nameof(HstuEncoder), Checked(shape, s => s.Validate()), PositionalInit.XavierNormal,
            () => new HstuBlock(shape.EmbeddingDimension, shape.NumberOfHeads, shape.QueryKeyDimension, shape.ValueDimension,
                shape.PaddedLength, shape.BlockDropoutRate))
    {
    }

    // The time buckets are computed once per batch and shared by every block.
    private protected override Tensor? BlockContext(Tensor ids, Tensor? timestamps)
    {
        if (!Shape.UseTimeBias)
            return null;
        if (timestamps is null)
            throw new ArgumentException("This encoder uses the time bias, so timestamps [B, n + 1] are required.", nameof(timestamps));
        if (timestamps.dim() != 2 || timestamps.shape[0] != ids.shape[0] || timestamps.shape[1] != ids.shape[1] + 1
            || timestamps.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(
                $"Timestamps must be int64 [B, n + 1] = [{ids.shape[0]}, {ids.shape[1] + 1}] with the request time at column L_b, " +
                $"got {timestamps.dtype} [{string.Join(", ", timestamps.shape)}].", nameof(timestamps));
        }
        return RelativeAttentionBias.TimeBuckets(timestamps);                                         // [B, n, n] int64
    }

    private protected override Tensor ForwardBlock(HstuBlock block, Tensor x, Tensor validMask, Tensor? context)
        => block.forward(x, validMask, context);
}
