using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>
/// What the HSTU and SASRec encoders share: the input embedding, a stack of blocks, no final norm, and the checks and
/// masks of a right-padded batch (hstu-spec.md §3, §4). A subclass says how one block runs.
/// </summary>
/// <typeparam name="TBlock">The block type.</typeparam>
internal abstract class StackedEncoder<TBlock> : Module<Tensor, Tensor, Tensor?, Tensor>, ISequenceEncoder
    where TBlock : Module, IEncoderBlock
{
    // The component names are the state-dict keys of saved models ("input.*", "blocks.{b}.*").
    [ComponentName(Name = "input")] private readonly InputEmbedding _input;
    [ComponentName(Name = "blocks")] private readonly ModuleList<TBlock> _blocks;

    /// <param name="name">The module name.</param>
    /// <param name="shape">Sizes and rates, already validated by the subclass.</param>
    /// <param name="positionalInit">How the positional table starts (the two encoders differ).</param>
    /// <param name="createBlock">Builds one initialised block.</param>
    private protected StackedEncoder(string name, EncoderShape shape, PositionalInit positionalInit, Func<TBlock> createBlock)
        : base(name)
    {
        Shape = shape;
        _input = new InputEmbedding(shape.ItemCount, shape.EmbeddingDimension, shape.PaddedLength, shape.InputDropoutRate, positionalInit);
        _blocks = ModuleList(Enumerable.Range(0, shape.NumberOfBlocks).Select(_ => createBlock()).ToArray());
        RegisterComponents();
    }

    /// <inheritdoc/>
    public EncoderShape Shape { get; }

    /// <inheritdoc/>
    public Tensor ItemEmbeddings => _input.ItemEmbeddings;

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value set is neither Float32 nor BFloat16.</exception>
    public ScalarType ComputeType
    {
        get => _blocks[0].ComputeType;
        set
        {
            if (value is not (ScalarType.Float32 or ScalarType.BFloat16))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Must be Float32 or BFloat16.");
            foreach (var block in _blocks)
                block.ComputeType = value;
        }
    }

    /// <summary>Gets the input embedding.</summary>
    public InputEmbedding Input => _input;

    /// <summary>Gets the blocks, first to last.</summary>
    public IReadOnlyList<TBlock> Blocks => [.. _blocks];

    /// <inheritdoc/>
    public Tensor Encode(Tensor ids, Tensor lengths, Tensor? timestamps) => forward(ids, lengths, timestamps);

    /// <summary>Encodes a right-padded batch; see <see cref="ISequenceEncoder.Encode"/>.</summary>
    /// <param name="ids">[B, n] int64, n ≤ N.</param>
    /// <param name="lengths">[B] int64 L_b.</param>
    /// <param name="timestamps">[B, n + 1] int64 with the request time at column L_b, for an encoder that reads times; else ignored.</param>
    /// <returns>[B, n, D], zero rows at padding.</returns>
    /// <exception cref="ArgumentException">The shapes don't match, or an encoder that reads times got none.</exception>
    public override Tensor forward(Tensor ids, Tensor lengths, Tensor? timestamps)
    {
        SequenceTensors.CheckBatch(ids, lengths, Shape.PaddedLength);
        using var scope = NewDisposeScope();
        var x = _input.forward(ids);                                                          // [B, n, D]
        // Unlike the reference's valid_mask = (ids ≠ 0), positions ≥ L_b count as padding whatever their id; causal
        // attention makes the two agree on every row < L_b (§3.2).
        var validMask = SequenceTensors.ValidMask(lengths, ids.shape[1], x.dtype);            // [B, n, 1]
        x = x * validMask;
        var context = BlockContext(ids, timestamps);
        foreach (var block in _blocks)
            x = ForwardBlock(block, x, validMask, context);                                   // [B, n, D]
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Runs <paramref name="validate"/> on <paramref name="shape"/>, for a subclass to call before this constructor reads it.</summary>
    private protected static EncoderShape Checked(EncoderShape shape, Action<EncoderShape> validate)
    {
        ArgumentNullException.ThrowIfNull(shape);
        validate(shape);
        return shape;
    }

    /// <summary>What every block of this batch reads besides x and the mask (HSTU: the time buckets), or null.</summary>
    private protected abstract Tensor? BlockContext(Tensor ids, Tensor? timestamps);

    /// <summary>Runs one block: [B, n, D] in, [B, n, D] out, zero rows at padding.</summary>
    private protected abstract Tensor ForwardBlock(TBlock block, Tensor x, Tensor validMask, Tensor? context);
}
