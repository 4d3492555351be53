using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>One SASRec block as in generative-recommenders' <c>sasrec.py</c>: causal MHA on a normalised query, then FFN (hstu-spec.md §4).</summary>
/// <remarks>
/// Multi-head attention is written out with the parameters of <c>torch.nn.MultiheadAttention</c> (a packed
/// <c>in_proj_weight</c> [3D, D] and bias, <c>out_proj</c>), so xavier_normal_ sees the same fan as the reference
/// (std √(2 / 4D) for the packed weight). The 1×1 convolutions are per-position Linear layers with the same fans.
/// </remarks>
internal sealed class SasRecBlock : Module<Tensor, Tensor, Tensor>, IEncoderBlock
{
    /// <summary>The epsilon of both layer norms (hstu-spec.md §4).</summary>
    public const double LayerNormEpsilon = 1e-8;

    [ComponentName(Name = "in_proj_weight")] private readonly Parameter _inProjectionWeight;   // [3D, D]: Q, K, V rows
    [ComponentName(Name = "in_proj_bias")] private readonly Parameter _inProjectionBias;       // [3D]
    [ComponentName(Name = "out_proj")] private readonly Linear _outProjection;                 // D → D
    [ComponentName(Name = "conv1")] private readonly Linear _feedForward1;                     // D → FFN
    [ComponentName(Name = "conv2")] private readonly Linear _feedForward2;                     // FFN → D
    [ComponentName(Name = "dropout")] private readonly Dropout _dropout;
    private readonly long _dimension;
    private readonly long _heads;
    private readonly double _dropoutRate;
    private readonly ConstantScalars _constants = new();
    private readonly Scalar _one;      // alpha of every sum, made once so no op leaves a Scalar to the finalizer (docs/reliability.md)

    /// <summary>Builds and initialises one block.</summary>
    /// <param name="dimension">D, a multiple of <paramref name="heads"/>.</param>
    /// <param name="heads">H.</param>
    /// <param name="feedForwardDimension">The FFN hidden width.</param>
    /// <param name="dropoutRate"><c>ffn_dropout_rate</c>: attention weights and both FFN dropouts.</param>
    public SasRecBlock(long dimension, long heads, long feedForwardDimension, double dropoutRate)
        : base(nameof(SasRecBlock))
    {
        _dimension = dimension;
        _heads = heads;
        _dropoutRate = dropoutRate;
        _one = _constants.Own(1.ToScalar());
        _inProjectionWeight = Parameter(empty(3 * dimension, dimension));
        _inProjectionBias = Parameter(empty(3 * dimension));
        _outProjection = Linear(dimension, dimension, hasBias: true);
        _feedForward1 = Linear(dimension, feedForwardDimension, hasBias: true);
        _feedForward2 = Linear(feedForwardDimension, dimension, hasBias: true);
        _dropout = Dropout(dropoutRate);
        RegisterComponents();
        ResetParameters();
    }

    /// <summary>Gets the packed Q, K, V projection weight of the attention.</summary>
    /// <value>[3D, D]: rows 0..D − 1 project Q, then K, then V.</value>
    public Parameter InProjectionWeight => _inProjectionWeight;

    /// <summary>Gets the packed Q, K, V projection bias.</summary>
    /// <value>[3D], in the order of <see cref="InProjectionWeight"/>.</value>
    public Parameter InProjectionBias => _inProjectionBias;

    /// <summary>Gets the attention's output projection D → D.</summary>
    public Linear OutProjection => _outProjection;

    /// <summary>Gets the first feed-forward layer D → FFN.</summary>
    public Linear FeedForward1 => _feedForward1;

    /// <summary>Gets the second feed-forward layer FFN → D.</summary>
    public Linear FeedForward2 => _feedForward2;

    /// <inheritdoc/>
    public ScalarType ComputeType { get; set; } = ScalarType.Float32;

    /// <summary>Re-initialises the block as <c>SASRec.reset_state</c> leaves it (hstu-spec.md §4).</summary>
    public void ResetParameters()
    {
        // reset_state: xavier_normal_ on every parameter of 2 or more dimensions.
        ParameterInit.XavierNormal(_inProjectionWeight);
        ParameterInit.XavierNormal(_outProjection.weight!);
        ParameterInit.XavierNormal(_feedForward1.weight!);
        ParameterInit.XavierNormal(_feedForward2.weight!);
        // 1-D parameters keep PyTorch's defaults: MultiheadAttention zeroes its biases, Conv1d draws U(±1/√fan_in).
        nn.init.zeros_(_inProjectionBias);
        nn.init.zeros_(_outProjection.bias!);
        ParameterInit.DefaultBias(_feedForward1.bias!, _feedForward1.weight!);
        ParameterInit.DefaultBias(_feedForward2.bias!, _feedForward2.weight!);
    }

    /// <summary>Runs the block on a right-padded batch.</summary>
    /// <param name="x">[B, n, D].</param>
    /// <param name="validMask">[B, n, 1] float: 1 where position &lt; L_b.</param>
    /// <returns>[B, n, D], zero rows at padding.</returns>
    public override Tensor forward(Tensor x, Tensor validMask)
    {
        using var scope = NewDisposeScope();
        var query = functional.layer_norm(x, [_dimension], eps: LayerNormEpsilon);             // [B, n, D]
        var attended = Attend(query, x);                                                       // [B, n, D]
        var z = functional.layer_norm(query.add(attended, _one), [_dimension], eps: LayerNormEpsilon);  // [B, n, D]
        var hidden = _dropout.forward(functional.relu(Project(_feedForward1, z)));              // [B, n, FFN]
        var next = z.add(_dropout.forward(Project(_feedForward2, hidden)), _one).mul(validMask);          // [B, n, D]
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>torch.nn.MultiheadAttention(query, key = value = x, attn_mask = causal), batch first, dropout on the weights.</summary>
    /// <param name="query">[B, n, D], the normalised input.</param>
    /// <param name="x">[B, n, D], the un-normalised input: keys and values.</param>
    /// <returns>[B, n, D], owned by the caller's dispose scope.</returns>
    public Tensor Attend(Tensor query, Tensor x)
    {
        long batchSize = x.shape[0];
        long length = x.shape[1];
        long headWidth = _dimension / _heads;
        var weights = _inProjectionWeight.chunk(3, 0);                                        // 3 × [D, D]
        var biases = _inProjectionBias.chunk(3, 0);                                           // 3 × [D]
        var q = SequenceTensors.SplitHeads(TorchOps.Linear(query, weights[0], biases[0], ComputeType), _heads, headWidth); // [B, H, n, Dh]
        var k = SequenceTensors.SplitHeads(TorchOps.Linear(x, weights[1], biases[1], ComputeType), _heads, headWidth); // [B, H, n, Dh]
        var v = SequenceTensors.SplitHeads(TorchOps.Linear(x, weights[2], biases[2], ComputeType), _heads, headWidth); // [B, H, n, Dh]
        // softmax(QKᵀ/√Dh + causal mask) with dropout on the weights, then ·V: libtorch's fused kernel, which on CPU
        // never materialises the [B, H, n, n] weights (docs/benchmarks.md). Right padding needs no extra mask: a valid
        // position only sees earlier positions, which are valid too; padding rows are zeroed by the caller.
        var attended = ComputeType == q.dtype
            ? functional.scaled_dot_product_attention(q, k, v, p: training ? _dropoutRate : 0, is_casual: true)   // [B, H, n, Dh]
            : functional.scaled_dot_product_attention(q.to(ComputeType), k.to(ComputeType), v.to(ComputeType),
                p: training ? _dropoutRate : 0, is_casual: true).to(q.dtype);
        var heads = attended.transpose(1, 2).reshape(batchSize, length, _dimension);         // [B, n, D]
        return Project(_outProjection, heads);                                                // [B, n, D]
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _constants.Dispose();
        base.Dispose(disposing);
    }

    private Tensor Project(Linear layer, Tensor x) => TorchOps.Linear(x, layer.weight!, layer.bias, ComputeType);
}
