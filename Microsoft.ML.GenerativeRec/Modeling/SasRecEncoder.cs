using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>The SASRec encoder of generative-recommenders: input embedding, stacked SASRec blocks, no final norm (hstu-spec.md §4).</summary>
/// <remarks>SASRec reads no times: the timestamps of <see cref="StackedEncoder{TBlock}.forward"/> are ignored.</remarks>
internal sealed class SasRecEncoder : StackedEncoder<SasRecBlock>
{
    /// <summary>Builds and initialises the encoder.</summary>
    /// <param name="shape">Sizes and rates; validated here. Dqk, Dv and the time bias are not used.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or rate is out of range, or D is not a multiple of H.</exception>
    public SasRecEncoder(EncoderShape shape)
        : base(nameof(SasRecEncoder), Checked(shape, s => s.ValidateForSasRec()), PositionalInit.TruncatedNormal,
            () => new SasRecBlock(shape.EmbeddingDimension, shape.NumberOfHeads, shape.FeedForwardDimension, shape.BlockDropoutRate))
    {
    }

    private protected override Tensor? BlockContext(Tensor ids, Tensor? timestamps) => null;

    private protected override Tensor ForwardBlock(SasRecBlock block, Tensor x, Tensor validMask, Tensor? context) => block.forward(x, validMask);
}
