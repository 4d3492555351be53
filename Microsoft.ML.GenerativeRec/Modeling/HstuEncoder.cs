using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>The HSTU encoder: input embedding, stacked HSTU blocks, no final norm (hstu-spec.md §3).</summary>
internal sealed class HstuEncoder : Module<Tensor, Tensor, Tensor?, Tensor>, ISequenceEncoder
{
    [ComponentName(Name = "input")] private readonly InputEmbedding _input;
    [ComponentName(Name = "blocks")] private readonly ModuleList<HstuBlock> _blocks;

    /// <summary>Builds and initialises the encoder.</summary>
    /// <param name="shape">Sizes and rates; validated here.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or rate of <paramref name="shape"/> is out of range.</exception>
    public HstuEncoder(EncoderShape shape)
        : base(nameof(HstuEncoder))
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        Shape = shape;
        _input = new InputEmbedding(shape.ItemCount, shape.EmbeddingDimension, shape.PaddedLength, shape.InputDropoutRate,
            PositionalInit.XavierNormal);
        _blocks = ModuleList(Enumerable.Range(0, shape.NumberOfBlocks)
            .Select(_ => new HstuBlock(shape.EmbeddingDimension, shape.NumberOfHeads, shape.QueryKeyDimension,
                shape.ValueDimension, shape.PaddedLength, shape.BlockDropoutRate))
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

    /// <summary>Gets the blocks, first to last.</summary>
    public IReadOnlyList<HstuBlock> Blocks => [.. _blocks];

    /// <summary>Re-initialises every parameter (hstu-spec.md §3.6).</summary>
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
    /// <param name="timestamps">[B, n + 1] int64, request time at column L_b; required when the shape uses the time bias, ignored otherwise.</param>
    /// <returns>[B, n, D], zero rows at padding.</returns>
    /// <exception cref="ArgumentException">The shapes don't match, or timestamps are missing while the time bias is on.</exception>
    public override Tensor forward(Tensor ids, Tensor lengths, Tensor? timestamps)
    {
        SequenceTensors.CheckBatch(ids, lengths, Shape.PaddedLength);
        CheckTimestamps(ids, timestamps);
        using var scope = NewDisposeScope();
        long length = ids.shape[1];
        var x = _input.forward(ids);                                                          // [B, n, D]
        var validMask = SequenceTensors.ValidMask(lengths, length, x.dtype);                  // [B, n, 1]
        x = x * validMask;                                  // positions ≥ L_b are dropped even when their id ≠ 0 (§3.2)
        var timeBuckets = Shape.UseTimeBias ? RelativeAttentionBias.TimeBuckets(timestamps!) : null;  // [B, n, n] int64
        foreach (var block in _blocks)
            x = block.forward(x, validMask, timeBuckets);                                     // [B, n, D]
        return x.MoveToOuterDisposeScope();
    }

    private void CheckTimestamps(Tensor ids, Tensor? timestamps)
    {
        if (!Shape.UseTimeBias)
            return;
        if (timestamps is null)
            throw new ArgumentException("This encoder uses the time bias, so timestamps [B, n + 1] are required.", nameof(timestamps));
        if (timestamps.dim() != 2 || timestamps.shape[0] != ids.shape[0] || timestamps.shape[1] != ids.shape[1] + 1)
        {
            throw new ArgumentException(
                $"Timestamps must be [B, n + 1] = [{ids.shape[0]}, {ids.shape[1] + 1}] with the request time at column L_b, " +
                $"got [{string.Join(", ", timestamps.shape)}].", nameof(timestamps));
        }
    }
}
