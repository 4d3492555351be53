using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>The SASRec encoder of generative-recommenders: input embedding, stacked SASRec blocks, no final norm (hstu-spec.md §4).</summary>
internal sealed class SasRecEncoder : Module<Tensor, Tensor, Tensor?, Tensor>, ISequenceEncoder
{
    [ComponentName(Name = "input")] private readonly InputEmbedding _input;
    [ComponentName(Name = "blocks")] private readonly ModuleList<SasRecBlock> _blocks;

    /// <summary>Builds and initialises the encoder.</summary>
    /// <param name="shape">Sizes and rates; validated here. Dqk, Dv and the time bias are not used.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or rate is out of range, or D is not a multiple of H.</exception>
    public SasRecEncoder(EncoderShape shape)
        : base(nameof(SasRecEncoder))
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.ValidateForSasRec();
        Shape = shape;
        _input = new InputEmbedding(shape.ItemCount, shape.EmbeddingDimension, shape.PaddedLength, shape.InputDropoutRate,
            PositionalInit.TruncatedNormal);
        _blocks = ModuleList(Enumerable.Range(0, shape.NumberOfBlocks)
            .Select(_ => new SasRecBlock(shape.EmbeddingDimension, shape.NumberOfHeads, shape.FeedForwardDimension,
                shape.BlockDropoutRate))
            .ToArray());
        RegisterComponents();
    }

    /// <inheritdoc/>
    public EncoderShape Shape { get; }

    /// <inheritdoc/>
    public Tensor ItemEmbeddings => _input.ItemEmbeddings;

    /// <inheritdoc/>
    public ScalarType ComputeType
    {
        get => _blocks[0].ComputeType;
        set => MixedPrecision.Apply(_blocks, value);
    }

    /// <summary>Gets the input embedding.</summary>
    public InputEmbedding Input => _input;

    /// <summary>Re-initialises every parameter (hstu-spec.md §4).</summary>
    public void ResetParameters()
    {
        _input.ResetParameters();
        foreach (var block in _blocks)
            block.ResetParameters();
    }

    /// <inheritdoc/>
    public Tensor Encode(Tensor ids, Tensor lengths, Tensor? timestamps) => forward(ids, lengths, timestamps);

    /// <summary>Encodes a right-padded batch; see <see cref="ISequenceEncoder.Encode"/>.</summary>
    /// <param name="ids">[B, n] int64, n ≤ N.</param>
    /// <param name="lengths">[B] int64 L_b.</param>
    /// <param name="timestamps">Ignored: SASRec has no time input.</param>
    /// <returns>[B, n, D], zero rows at padding.</returns>
    /// <exception cref="ArgumentException">The shapes don't match.</exception>
    public override Tensor forward(Tensor ids, Tensor lengths, Tensor? timestamps)
    {
        SequenceTensors.CheckBatch(ids, lengths, Shape.PaddedLength);
        using var scope = NewDisposeScope();
        var x = _input.forward(ids);                                                          // [B, n, D]
        // Unlike the reference's valid_mask = (ids ≠ 0), positions ≥ L_b count as padding too; causal attention makes
        // the two agree on every row < L_b.
        var validMask = SequenceTensors.ValidMask(lengths, ids.shape[1], x.dtype);            // [B, n, 1]
        x = x * validMask;
        foreach (var block in _blocks)
            x = block.forward(x, validMask);                                                  // [B, n, D]
        return x.MoveToOuterDisposeScope();
    }
}
