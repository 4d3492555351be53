using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>One HSTU block: pointwise SiLU attention with a relative bias, gated by U (hstu-spec.md §3.3).</summary>
/// <remarks>
/// <para>
/// Dense with masks rather than jagged: every op except attention is row-wise, and attention is causal and divides by
/// the constant N, so valid rows equal the reference's jagged computation exactly (hstu-spec.md §3.3, §7). The batch may
/// be padded to any n ≤ N; the divisor stays N. Padding rows must come in as zeros (then V is zero there, as in the
/// reference's zero-padded V) and go out as zeros.
/// </para>
/// </remarks>
internal sealed class HstuBlock : Module<Tensor, Tensor, Tensor?, Tensor>, IEncoderBlock
{
    /// <summary>The epsilon of both layer norms (hstu-spec.md §3.3).</summary>
    public const double LayerNormEpsilon = 1e-6;
    private const double UvqkStd = 0.02;                       // W_uvqk ~ N(0, 0.02), hstu-spec.md §3.6
    private const float MaskedLogit = -1e9f;                   // SiLU(−10⁹ + s) is exactly 0 in float32 for any |s| ≪ 10⁹

    [ComponentName(Name = "uvqk")] private readonly Parameter _uvqk;                    // [D, 2·H·Dv + 2·H·Dqk], no bias
    [ComponentName(Name = "rel_attn_bias")] private readonly RelativeAttentionBias _bias;
    [ComponentName(Name = "dropout")] private readonly Dropout _dropout;
    [ComponentName(Name = "o")] private readonly Linear _output;                        // H·Dv → D
    private readonly long _dimension;
    private readonly long _heads;
    private readonly long _queryKeyDimension;
    private readonly long _valueDimension;
    // Made once and disposed with the block: an implicit number → Scalar conversion per op would leave a Scalar to the
    // finalizer at every step (docs/reliability.md, "TorchSharp Scalars").
    private readonly ConstantScalars _constants = new();
    private readonly Scalar _one;                              // alpha of every tensor sum
    private readonly Scalar _attentionDivisor;                 // N, as an int64 Scalar like the former div_(long)

    /// <summary>Builds and initialises one block.</summary>
    /// <param name="dimension">D.</param>
    /// <param name="heads">H.</param>
    /// <param name="queryKeyDimension">Dqk, per head.</param>
    /// <param name="valueDimension">Dv, per head.</param>
    /// <param name="paddedLength">N: the attention divisor and the span of the positional bias.</param>
    /// <param name="dropoutRate">The linear dropout before the output projection.</param>
    public HstuBlock(long dimension, long heads, long queryKeyDimension, long valueDimension, long paddedLength, double dropoutRate)
        : base(nameof(HstuBlock))
    {
        _dimension = dimension;
        _heads = heads;
        _queryKeyDimension = queryKeyDimension;
        _valueDimension = valueDimension;
        _one = _constants.Own(1.ToScalar());
        _attentionDivisor = _constants.Own(paddedLength.ToScalar());
        _uvqk = Parameter(empty(dimension, 2 * heads * valueDimension + 2 * heads * queryKeyDimension));
        _bias = new RelativeAttentionBias(paddedLength);
        _dropout = Dropout(dropoutRate);
        _output = Linear(heads * valueDimension, dimension, hasBias: true);
        RegisterComponents();
        ResetParameters();
    }

    /// <summary>Gets W_uvqk, applied as xn · W.</summary>
    /// <value>[D, 2·H·Dv + 2·H·Dqk] parameter, columns in the order U, V, Q, K.</value>
    public Parameter Uvqk => _uvqk;

    /// <summary>Gets this block's relative attention bias.</summary>
    public RelativeAttentionBias Bias => _bias;

    /// <summary>Gets the output projection H·Dv → D.</summary>
    public Linear Output => _output;

    /// <inheritdoc/>
    public ScalarType ComputeType { get; set; } = ScalarType.Float32;

    /// <summary>Re-initialises the block as <c>hstu.py</c> does (hstu-spec.md §3.6).</summary>
    public void ResetParameters()
    {
        nn.init.normal_(_uvqk, std: UvqkStd);                                  // W_uvqk ~ N(0, 0.02)
        ParameterInit.XavierUniform(_output.weight!);                          // Linear_o.weight: xavier_uniform
        ParameterInit.DefaultBias(_output.bias!, _output.weight!);             // Linear_o.bias: PyTorch default U(±1/√fan_in)
        _bias.ResetParameters();                                               // pos_w, ts_w ~ N(0, 0.02)
    }

    /// <summary>Runs the block on a right-padded batch.</summary>
    /// <param name="x">[B, n, D], n ≤ N, zero rows at padding.</param>
    /// <param name="validMask">[B, n, 1] float: 1 where position &lt; L_b.</param>
    /// <param name="timeBuckets">[B, n, n] int64 from <see cref="RelativeAttentionBias.TimeBuckets"/>, or null.</param>
    /// <returns>[B, n, D], zero rows at padding.</returns>
    public override Tensor forward(Tensor x, Tensor validMask, Tensor? timeBuckets)
    {
        using var scope = NewDisposeScope();
        long batchSize = x.shape[0];
        long length = x.shape[1];
        var normed = functional.layer_norm(x, [_dimension], eps: LayerNormEpsilon);                // [B, n, D]
        var uvqk = functional.silu(TorchOps.MatMul(normed, _uvqk, ComputeType));       // [B, n, 2·H·Dv + 2·H·Dqk]
        var parts = uvqk.split([_heads * _valueDimension, _heads * _valueDimension,
                                _heads * _queryKeyDimension, _heads * _queryKeyDimension], dim: -1);
        var u = parts[0];                                                                           // [B, n, H·Dv]
        var v = SequenceTensors.SplitHeads(parts[1], _heads, _valueDimension);                      // [B, H, n, Dv]
        var q = SequenceTensors.SplitHeads(parts[2], _heads, _queryKeyDimension);                   // [B, H, n, Dqk]
        var k = SequenceTensors.SplitHeads(parts[3], _heads, _queryKeyDimension);                   // [B, H, n, Dqk]
        // Each [B·H, n, n] pass costs about as much as the matmuls at ML-1M sizes (~20 MB per tensor), so there are few:
        // baddbmm writes QKᵀ + bias in one pass; the causal mask rides on the bias (−10⁹ above the diagonal makes SiLU
        // exactly 0 there, x·σ(x) with σ = 0, and its gradient too), so there is no tril_ pass; and ÷N is applied to
        // the [B·H, n, Dv] product rather than to the n × n weights.
        var bias = Heads(_bias.forward(timeBuckets, length).add(CausalMask(length, x.device), _one), batchSize); // [1 or B·H, n, n]
        var scores = TorchOps.AddBatchMatMul(bias, Merge(q), Merge(k).transpose(-1, -2), ComputeType); // [B·H, n, n], no 1/√d
        var weights = functional.silu(scores);                                                  // 0 above the diagonal
        var attended = TorchOps.MatMul(weights, Merge(v), ComputeType).div_(_attentionDivisor)          // ÷N, not ÷L_b: §3.3
            .view(batchSize, _heads, length, _valueDimension).transpose(1, 2)
            .reshape(batchSize, length, _heads * _valueDimension);                                  // [B, n, H·Dv]
        var y = u * functional.layer_norm(attended, [_heads * _valueDimension], eps: LayerNormEpsilon); // [B, n, H·Dv]
        var next = x.add(TorchOps.Linear(_dropout.forward(y), _output.weight!, _output.bias, ComputeType), _one).mul(validMask); // [B, n, D]
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>The additive causal mask: 0 on and below the diagonal, −10⁹ above it.</summary>
    /// <param name="length">n.</param>
    /// <param name="device">Where the scores are.</param>
    /// <returns>[n, n] float32.</returns>
    internal static Tensor CausalMask(long length, Device device)
    {
        using var maskedLogit = MaskedLogit.ToScalar();
        return full(length, length, maskedLogit, device: device).triu_(1);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _constants.Dispose();
        base.Dispose(disposing);
    }

    // [B, H, n, W] → [B·H, n, W]
    private static Tensor Merge(Tensor t) => t.reshape(-1, t.shape[2], t.shape[3]);

    // [1, n, n] stays (baddbmm broadcasts it); [B, n, n] → [B·H, n, n], each user's bias repeated for its heads.
    private Tensor Heads(Tensor bias, long batchSize)
        => bias.shape[0] == 1 || _heads == 1 ? bias : bias.unsqueeze(1).expand(batchSize, _heads, -1, -1).reshape(-1, bias.shape[1], bias.shape[2]);
}
