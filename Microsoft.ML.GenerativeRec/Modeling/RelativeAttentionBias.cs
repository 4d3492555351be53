using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>HSTU's relative attention bias: a positional Toeplitz part plus a log-bucketed time part (hstu-spec.md §3.4).</summary>
/// <remarks>
/// <para>
/// rab[b, i, j] = pos_w[(N − 1) + j − i] + ts_w[bucket(t[b, i + 1] − t[b, j])], shared by all heads. Each HSTU block
/// owns one instance (<c>RelativeBucketedTimeAndPositionBasedBias</c>).
/// </para>
/// <para>
/// Without time buckets the bias is positional only and ts_w is not read (it then gets no gradient); ts_w always
/// exists, so a model's weights have one shape whether or not it was trained with timestamps.
/// </para>
/// </remarks>
internal sealed class RelativeAttentionBias : Module<Tensor?, long, Tensor>
{
    /// <summary>num_buckets of the reference; ts_w has one more row (hstu-spec.md §3.4).</summary>
    public const long NumberOfBuckets = 128;

    /// <summary>The divisor of ln |Δt| in the time buckets (hstu-spec.md §3.4).</summary>
    public const float TimeBucketLogDivisor = 0.301f;
    private const double WeightStd = 0.02;                     // pos_w, ts_w ~ N(0, 0.02), hstu-spec.md §3.6

    [ComponentName(Name = "pos_w")] private readonly Parameter _positionWeights;   // [2N − 1]
    [ComponentName(Name = "ts_w")] private readonly Parameter _timeWeights;        // [NumberOfBuckets + 1]
    private readonly long _paddedLength;
    // Made once and disposed with the module, so no op leaves a Scalar to the finalizer (docs/reliability.md).
    private readonly ConstantScalars _constants = new();
    private readonly Scalar _zero;                             // arange's start
    private readonly Scalar _one;                              // arange's step, and the alpha of every sum
    private readonly Scalar _offset;                           // N − 1

    /// <summary>Builds and initialises pos_w [2N − 1] and ts_w [129].</summary>
    /// <param name="paddedLength">N, the padded length the positional weights span.</param>
    public RelativeAttentionBias(long paddedLength)
        : base(nameof(RelativeAttentionBias))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(paddedLength);
        _paddedLength = paddedLength;
        _zero = _constants.Own(0.ToScalar());
        _one = _constants.Own(1.ToScalar());
        _offset = _constants.Own((paddedLength - 1).ToScalar());
        _positionWeights = Parameter(empty(2 * paddedLength - 1));
        _timeWeights = Parameter(empty(NumberOfBuckets + 1));
        RegisterComponents();
        ResetParameters();
    }

    /// <summary>Gets pos_w, indexed by (N − 1) + j − i.</summary>
    /// <value>[2N − 1] parameter.</value>
    public Parameter PositionWeights => _positionWeights;

    /// <summary>Gets ts_w, indexed by time bucket.</summary>
    /// <value>[129] parameter.</value>
    public Parameter TimeWeights => _timeWeights;

    /// <summary>Re-initialises pos_w and ts_w from N(0, 0.02) (hstu-spec.md §3.6).</summary>
    public void ResetParameters()
    {
        nn.init.normal_(_positionWeights, std: WeightStd);
        nn.init.normal_(_timeWeights, std: WeightStd);
    }

    /// <summary>Computes the bias for the first n positions.</summary>
    /// <param name="timeBuckets">[B, n, n] int64 from <see cref="TimeBuckets"/>, or null for the positional part only.</param>
    /// <param name="length">n ≤ N, the batch's padded length.</param>
    /// <returns>[B, n, n] with time buckets, [1, n, n] without.</returns>
    public override Tensor forward(Tensor? timeBuckets, long length)
    {
        if (length > _paddedLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"Must be at most the padded length N ({_paddedLength}).");
        using var scope = NewDisposeScope();
        using var stop = length.ToScalar();
        var positions = arange(_zero, stop, _one, ScalarType.Int64, _positionWeights.device);    // [n] int64
        var offsets = (positions.unsqueeze(0) - positions.unsqueeze(1)).add(_offset, _one);      // [n, n] int64: (N−1) + j − i
        var bias = _positionWeights.index_select(0, offsets.flatten()).view(1, length, length);  // [1, n, n]
        if (timeBuckets is not null)
        {
            long batchSize = timeBuckets.shape[0];
            var time = _timeWeights.index_select(0, timeBuckets.flatten())
                .view(batchSize, length, length);                                                 // [B, n, n]
            bias = bias.add(time, _one);                                                             // [B, n, n]
        }
        return bias.MoveToOuterDisposeScope();
    }

    /// <summary>Buckets the query/key time gaps once per batch; every block reads the same buckets.</summary>
    /// <param name="timestamps">
    /// [B, n + 1] int64 seconds (checked by <see cref="HstuEncoder"/>); column L_b holds the request (target) time, so row
    /// i uses t[i + 1].
    /// </param>
    /// <returns>[B, n, n] int64: bucket(t[b, i + 1] − t[b, j]), detached.</returns>
    public static Tensor TimeBuckets(Tensor timestamps)
    {
        using var scope = NewDisposeScope();
        long length = timestamps.shape[1] - 1;
        var next = timestamps.narrow(1, 1, length).unsqueeze(2);          // [B, n, 1] int64: t[i + 1], the predicted event
        var keys = timestamps.narrow(1, 0, length).unsqueeze(1);          // [B, 1, n] int64: t[j]
        return Bucketize(next - keys).MoveToOuterDisposeScope();          // [B, n, n] int64
    }

    /// <summary>bucket(Δ) = clamp(floor(ln(max(|Δ|, 1)) / 0.301), 0, 128), in float32 as the reference (hstu-spec.md §3.4).</summary>
    /// <param name="deltaSeconds">Any shape, int64 (or float) time gaps in seconds.</param>
    /// <returns>The same shape, int64, no gradient.</returns>
    public static Tensor Bucketize(Tensor deltaSeconds)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var one = 1.ToScalar();
        using var divisor = TimeBucketLogDivisor.ToScalar();
        using var lowest = 0.ToScalar();
        using var highest = NumberOfBuckets.ToScalar();
        var magnitude = deltaSeconds.abs().clamp_min(one).to_type(ScalarType.Float32);          // int64 → float32 like torch.log
        var buckets = magnitude.log().div(divisor).floor()
            .to_type(ScalarType.Int64).clamp(lowest, highest);
        return buckets.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _constants.Dispose();
        base.Dispose(disposing);
    }
}
