using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Jagged;

/// <summary>A batch of B variable-length rows stored as concatenated values plus row offsets (hstu-spec.md §7).</summary>
/// <remarks>
/// <para>
/// Row b is <c>Values[Offsets[b] .. Offsets[b + 1]]</c>, of length L_b. <see cref="Values"/> is [T, ...] with
/// T = ΣL_b, any dtype and device; <see cref="Offsets"/> is [B + 1] int64 on the same device, starting at 0 and
/// ending at T (fbgemm's <c>asynchronous_complete_cumsum</c> of the lengths).
/// </para>
/// <para>
/// Ownership: an instance owns both tensors and disposes them in <see cref="Dispose"/>; constructors and factories
/// take ownership of the <c>values</c> they are given (never dispose them separately). Tensors returned by
/// members (<see cref="Lengths"/>, <see cref="ToPaddedDense"/>, new instances) belong to the caller. When a factory
/// runs inside a dispose scope, the new tensors are moved to that scope too, so the scope or
/// <see cref="Dispose"/>, whichever comes first, frees them; disposing twice is harmless.
/// </para>
/// <para>
/// Every operation computes gather/scatter indices with <c>arange</c>, <c>repeat_interleave</c> and <c>cumsum</c>
/// on the lengths, on <see cref="Values"/>' device, and issues a constant number of tensor ops whatever B is: the
/// device is synchronised a constant number of times per call (argument checks, output sizes), never once per row.
/// </para>
/// </remarks>
internal sealed class JaggedTensor : IDisposable
{
    private long? _maxLength;
    private bool _disposed;

    /// <summary>Wraps <paramref name="values"/> and <paramref name="offsets"/>, taking ownership of both.</summary>
    /// <param name="values">[T, ...] the rows' items back to back, any dtype.</param>
    /// <param name="offsets">[B + 1] int64 on the device of <paramref name="values"/>: 0, L_0, L_0 + L_1, ..., T.</param>
    /// <exception cref="ArgumentException">The shapes, dtype or devices don't match, or the last offset isn't T.</exception>
    public JaggedTensor(Tensor values, Tensor offsets)
        : this(values, offsets, validate: true)
    {
    }

    // The factories build offsets from validated lengths and skip the check, which costs a device synchronisation.
    private JaggedTensor(Tensor values, Tensor offsets, bool validate)
    {
        if (validate)
            Validate(values, offsets);
        Debug.Assert(IsCompleteCumsum(offsets), "Offsets must start at 0 and never decrease.");
        Values = values;
        Offsets = offsets;
    }

    /// <summary>Gets the rows' items back to back.</summary>
    /// <value>[T, ...], owned by this instance.</value>
    public Tensor Values
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return field;
        }
    }

    /// <summary>Gets where each row starts in <see cref="Values"/>, followed by T.</summary>
    /// <value>[B + 1] int64, owned by this instance.</value>
    public Tensor Offsets
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return field;
        }
    }

    /// <summary>Gets the number of rows, B.</summary>
    public long BatchSize => Offsets.shape[0] - 1;

    /// <summary>Gets the total number of items over all rows, T = ΣL_b.</summary>
    public long TotalLength => Values.shape[0];

    /// <summary>Gets the length of each row as a new tensor that the caller owns.</summary>
    /// <value>[B] int64 on the device of <see cref="Values"/>.</value>
    public Tensor Lengths
    {
        get
        {
            long batchSize = BatchSize;
            using var ends = Offsets.narrow(0, 1, batchSize);
            using var starts = Offsets.narrow(0, 0, batchSize);
            return ends - starts;
        }
    }

    /// <summary>Gets the length of the longest row, 0 when there are no rows.</summary>
    /// <remarks>Computed once (one device synchronisation) and cached.</remarks>
    public long MaxLength
    {
        get
        {
            if (_maxLength is null)
            {
                using var lengths = Lengths;
                using var max = lengths.numel() == 0 ? null : lengths.max();
                _maxLength = max?.item<long>() ?? 0;
            }
            return _maxLength.Value;
        }
    }

    /// <summary>Builds a jagged tensor from its values and row lengths, taking ownership of <paramref name="values"/>.</summary>
    /// <param name="values">[T, ...] the rows' items back to back.</param>
    /// <param name="lengths">[B] integer row lengths, on any device; not owned, left to the caller.</param>
    /// <returns>A jagged tensor whose offsets are the complete cumulative sum of <paramref name="lengths"/>.</returns>
    /// <exception cref="ArgumentException">A length is negative, the lengths don't sum to T, or they aren't a 1-D integer tensor.</exception>
    public static JaggedTensor FromLengths(Tensor values, Tensor lengths)
    {
        ArgumentNullException.ThrowIfNull(values);
        ValidateValues(values);
        using var scope = NewDisposeScope();
        var lengths64 = ToInt64Vector(lengths, nameof(lengths), values.device);                   // [B] int64
        var stats = stack([lengths64.sum(), lengths64.lt(0).sum()]).cpu().data<long>().ToArray(); // one sync
        if (stats[1] > 0)
            throw new ArgumentException($"Lengths must be non-negative, got {stats[1]} negative length(s).", nameof(lengths));
        if (stats[0] != values.shape[0])
        {
            throw new ArgumentException(
                $"The lengths sum to {stats[0]} but values has {values.shape[0]} rows; they must be equal.", nameof(lengths));
        }
        var offsets = CompleteCumsum(lengths64);                                                   // [B + 1] int64
        return new JaggedTensor(values, offsets.MoveToOuterDisposeScope(), validate: false);
    }

    /// <summary>Builds a jagged tensor from its values and row lengths, taking ownership of <paramref name="values"/>.</summary>
    /// <param name="values">[T, ...] the rows' items back to back.</param>
    /// <param name="lengths">The B row lengths.</param>
    /// <returns>A jagged tensor whose offsets are the complete cumulative sum of <paramref name="lengths"/>.</returns>
    /// <exception cref="ArgumentException">A length is negative or the lengths don't sum to T.</exception>
    public static JaggedTensor FromLengths(Tensor values, ReadOnlySpan<long> lengths)
    {
        ArgumentNullException.ThrowIfNull(values);
        ValidateValues(values);
        var offsets = new long[lengths.Length + 1];
        for (int b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] < 0)
                throw new ArgumentException($"Lengths must be non-negative, got {lengths[b]} for row {b}.", nameof(lengths));
            offsets[b + 1] = offsets[b] + lengths[b];
        }
        if (offsets[^1] != values.shape[0])
        {
            throw new ArgumentException(
                $"The lengths sum to {offsets[^1]} but values has {values.shape[0]} rows; they must be equal.", nameof(lengths));
        }
        return new JaggedTensor(values, tensor(offsets, dtype: ScalarType.Int64, device: values.device), validate: false);
    }

    /// <summary>Pads the rows on the right into a dense tensor (fbgemm <c>jagged_to_padded_dense</c>, hstu-spec.md §7).</summary>
    /// <remarks>
    /// Row b fills <c>dense[b, 0 .. min(L_b, N)]</c> and <paramref name="paddingValue"/> fills the rest. Unlike
    /// fbgemm, which keeps the first N items of a longer row, a row longer than N keeps its <b>last</b> N items,
    /// the most recent events of a history (as the dataset truncation in hstu-spec.md §1.4 does).
    /// </remarks>
    /// <param name="maxLength">N, the padded length; 0 or more.</param>
    /// <param name="paddingValue">The value of the padded slots, cast to the dtype of <see cref="Values"/>.</param>
    /// <returns>[B, N, ...] with the dtype and device of <see cref="Values"/>, owned by the caller.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is negative.</exception>
    public Tensor ToPaddedDense(long maxLength, double paddingValue = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var values = Values;
        long batchSize = BatchSize;
        using var scope = NewDisposeScope();
        var ends = Offsets.narrow(0, 1, batchSize);                              // [B] int64
        var kept = Lengths.clamp_max(maxLength);                                 // [B] int64
        long? keptTotal = _maxLength <= maxLength ? TotalLength : null;          // known only when nothing is cut
        var (rowIds, positions) = ExpandLengths(kept, keptTotal);                // [K] int64 each, K = Σ kept
        var sources = (ends - kept).index_select(0, rowIds) + positions;         // [K] int64, last kept items
        var targets = rowIds * maxLength + positions;                            // [K] int64, into [B·N]
        long[] flatShape = [batchSize * maxLength, .. values.shape.AsSpan(1)];
        long[] denseShape = [batchSize, maxLength, .. values.shape.AsSpan(1)];
        using var padding = paddingValue.ToScalar();
        var dense = values.new_full(flatShape, padding)                          // [B·N, ...]
            .index_copy_(0, targets, values.index_select(0, sources))
            .reshape(denseShape);                                                // [B, N, ...]
        return dense.MoveToOuterDisposeScope();
    }

    /// <summary>Keeps the first L_b items of each dense row (fbgemm <c>dense_to_jagged</c>, hstu-spec.md §3.2).</summary>
    /// <param name="dense">[B, N, ...] right-padded rows, any dtype; not owned, left to the caller.</param>
    /// <param name="lengths">[B] integer row lengths, each in [0, N]; not owned.</param>
    /// <returns>A new jagged tensor with fresh values, owned by the caller.</returns>
    /// <exception cref="ArgumentException">The shapes don't match or a length is outside [0, N].</exception>
    public static JaggedTensor FromPaddedDense(Tensor dense, Tensor lengths)
    {
        ArgumentNullException.ThrowIfNull(dense);
        if (dense.dim() < 2)
        {
            throw new ArgumentException(
                $"Dense must be [B, N, ...], got shape [{string.Join(", ", dense.shape)}].", nameof(dense));
        }
        long batchSize = dense.shape[0];
        long maxLength = dense.shape[1];
        using var scope = NewDisposeScope();
        var lengths64 = ToInt64Vector(lengths, nameof(lengths), dense.device);                    // [B] int64
        if (lengths64.shape[0] != batchSize)
        {
            throw new ArgumentException(
                $"Lengths has {lengths64.shape[0]} elements but dense has {batchSize} rows.", nameof(lengths));
        }
        var stats = stack([lengths64.sum(), lengths64.lt(0).sum(), lengths64.gt(maxLength).sum()])
            .cpu().data<long>().ToArray();                                                         // one sync
        if (stats[1] > 0 || stats[2] > 0)
        {
            throw new ArgumentException(
                $"Every length must be in [0, {maxLength}] (the padded length N of dense), got {stats[1]} negative " +
                $"and {stats[2]} longer.", nameof(lengths));
        }
        var (rowIds, positions) = ExpandLengths(lengths64, totalLength: stats[0]);                 // [T] int64 each
        var sources = rowIds * maxLength + positions;                                              // [T] int64
        var values = dense.flatten(0, 1).index_select(0, sources);                                 // [T, ...]
        var offsets = CompleteCumsum(lengths64);                                                   // [B + 1] int64
        return new JaggedTensor(values.MoveToOuterDisposeScope(), offsets.MoveToOuterDisposeScope(), validate: false);
    }

    /// <summary>Concatenates two jagged tensors row by row: row b is [left_b ; right_b] (<c>concat_2D_jagged</c>, hstu-spec.md §7).</summary>
    /// <param name="left">The first part of each row; not owned, left to the caller.</param>
    /// <param name="right">The second part, with the same B, trailing shape, dtype and device as <paramref name="left"/>.</param>
    /// <returns>A new jagged tensor of lengths L_b(left) + L_b(right), owned by the caller.</returns>
    /// <exception cref="ArgumentException">The two don't have the same B, trailing shape, dtype or device.</exception>
    public static JaggedTensor ConcatRows(JaggedTensor left, JaggedTensor right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.BatchSize != right.BatchSize)
            throw new ArgumentException($"Right has {right.BatchSize} rows but left has {left.BatchSize}.", nameof(right));
        if (!left.Values.shape.AsSpan(1).SequenceEqual(right.Values.shape.AsSpan(1))
            || left.Values.dtype != right.Values.dtype || !SameDevice(left.Values, right.Values))
        {
            throw new ArgumentException(
                $"Right values are {right.Values.dtype} [{string.Join(", ", right.Values.shape)}] on {right.Values.device} but " +
                $"left values are {left.Values.dtype} [{string.Join(", ", left.Values.shape)}] on {left.Values.device}; " +
                "all but the first dimension, the dtype and the device must match.", nameof(right));
        }
        using var scope = NewDisposeScope();
        var leftLengths = left.Lengths;                                                  // [B] int64
        var lengths = leftLengths + right.Lengths;                                       // [B] int64
        var (rowIds, positions) = ExpandLengths(lengths, left.TotalLength + right.TotalLength); // [T] int64 each
        var leftLength = leftLengths.index_select(0, rowIds);                            // [T] int64
        var fromLeft = left.Offsets.narrow(0, 0, left.BatchSize).index_select(0, rowIds) + positions;
        var fromRight = right.Offsets.narrow(0, 0, right.BatchSize).index_select(0, rowIds)
                        + (positions - leftLength + left.TotalLength);                   // into the stacked values
        var sources = where(positions.lt(leftLength), fromLeft, fromRight);              // [T] int64
        var values = cat([left.Values, right.Values], 0).index_select(0, sources);       // [T, ...]
        var offsets = CompleteCumsum(lengths);                                           // [B + 1] int64
        return new JaggedTensor(values.MoveToOuterDisposeScope(), offsets.MoveToOuterDisposeScope(), validate: false);
    }

    /// <summary>Splits each row in two, the inverse of <see cref="ConcatRows"/> (<c>split_2D_jagged</c>, hstu-spec.md §7).</summary>
    /// <param name="firstLengths">[B] integer lengths, each in [0, L_b]: how many leading items of row b go to First.</param>
    /// <returns>First holds each row's first <paramref name="firstLengths"/>[b] items, Second the rest; both owned by the caller.</returns>
    /// <exception cref="ArgumentException"><paramref name="firstLengths"/> has the wrong shape or a length outside [0, L_b].</exception>
    public (JaggedTensor First, JaggedTensor Second) SplitRows(Tensor firstLengths)
    {
        var values = Values;
        long batchSize = BatchSize;
        using var scope = NewDisposeScope();
        var first = ToInt64Vector(firstLengths, nameof(firstLengths), values.device);             // [B] int64
        if (first.shape[0] != batchSize)
        {
            throw new ArgumentException(
                $"First lengths has {first.shape[0]} elements but the jagged tensor has {batchSize} rows.", nameof(firstLengths));
        }
        var lengths = Lengths;                                                                     // [B] int64
        var second = lengths - first;                                                              // [B] int64
        var stats = stack([first.sum(), first.lt(0).sum(), second.lt(0).sum()]).cpu().data<long>().ToArray(); // one sync
        if (stats[1] > 0 || stats[2] > 0)
        {
            throw new ArgumentException(
                $"Every first length must be in [0, L_b] (its row's length), got {stats[1]} negative and {stats[2]} " +
                "longer than their row.", nameof(firstLengths));
        }
        var starts = Offsets.narrow(0, 0, batchSize);                                              // [B] int64
        var (firstRows, firstPositions) = ExpandLengths(first, stats[0]);                          // [T1] int64 each
        var firstValues = values.index_select(0, starts.index_select(0, firstRows) + firstPositions);     // [T1, ...]
        var (secondRows, secondPositions) = ExpandLengths(second, TotalLength - stats[0]);         // [T2] int64 each
        var secondStarts = (starts + first).index_select(0, secondRows);                           // [T2] int64
        var secondValues = values.index_select(0, secondStarts + secondPositions);                 // [T2, ...]
        var firstOffsets = CompleteCumsum(first);                                                  // [B + 1] int64
        var secondOffsets = CompleteCumsum(second);                                                // [B + 1] int64
        return (new JaggedTensor(firstValues.MoveToOuterDisposeScope(), firstOffsets.MoveToOuterDisposeScope(), validate: false),
                new JaggedTensor(secondValues.MoveToOuterDisposeScope(), secondOffsets.MoveToOuterDisposeScope(), validate: false));
    }

    /// <summary>Disposes <see cref="Values"/> and <see cref="Offsets"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        Values.Dispose();
        Offsets.Dispose();
        _disposed = true;
    }

    /// <summary>The exclusive prefix sum with the total appended (fbgemm <c>asynchronous_complete_cumsum</c>).</summary>
    /// <param name="lengths">[B] int64.</param>
    /// <returns>[B + 1] int64: 0, L_0, L_0 + L_1, ..., ΣL_b.</returns>
    internal static Tensor CompleteCumsum(Tensor lengths)
    {
        using var zero = zeros(1, ScalarType.Int64, lengths.device);
        using var sums = lengths.cumsum(0);
        return cat([zero, sums], 0);
    }

    // For each of the T = ΣL_b items of a jagged layout with these lengths: its row and its position within the row.
    // totalLength, when known, spares repeat_interleave a device synchronisation.
    private static (Tensor RowIds, Tensor Positions) ExpandLengths(Tensor lengths, long? totalLength)
    {
        var device = lengths.device;
        var rowIds = arange(lengths.shape[0], ScalarType.Int64, device)
            .repeat_interleave(lengths, dim: 0, output_size: totalLength);                         // [T] int64
        var starts = lengths.cumsum(0) - lengths;                                                  // [B] int64
        var positions = arange(rowIds.shape[0], ScalarType.Int64, device) - starts.index_select(0, rowIds); // [T]
        return (rowIds, positions);
    }

    private static Tensor ToInt64Vector(Tensor lengths, string paramName, Device device)
    {
        ArgumentNullException.ThrowIfNull(lengths, paramName);
        if (lengths.dim() != 1 || !is_integral(lengths.dtype) || lengths.dtype == ScalarType.Bool)
        {
            throw new ArgumentException(
                $"Expected a 1-D integer tensor of row lengths, got {lengths.dtype} of shape " +
                $"[{string.Join(", ", lengths.shape)}].", paramName);
        }
        return lengths.to(ScalarType.Int64, device);
    }

    private static void Validate(Tensor values, Tensor offsets)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(offsets);
        ValidateValues(values);
        if (offsets.dim() != 1 || offsets.shape[0] < 1 || offsets.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(
                $"Offsets must be a 1-D int64 tensor of B + 1 elements, got {offsets.dtype} of shape " +
                $"[{string.Join(", ", offsets.shape)}]. Build offsets from lengths with {nameof(FromLengths)}.",
                nameof(offsets));
        }
        if (!SameDevice(values, offsets))
        {
            throw new ArgumentException(
                $"Offsets are on {offsets.device} but values are on {values.device}; move them to the same device.",
                nameof(offsets));
        }
        using var last = offsets[-1];
        long total = last.item<long>();
        if (total != values.shape[0])
        {
            throw new ArgumentException(
                $"The last offset ({total}) must equal the number of value rows ({values.shape[0]}).", nameof(offsets));
        }
    }

    private static void ValidateValues(Tensor values)
    {
        if (values.dim() < 1)
            throw new ArgumentException("Values must have at least one dimension (the jagged rows), got a scalar.", nameof(values));
    }

    private static bool SameDevice(Tensor a, Tensor b)
        => a.device_type == b.device_type && a.device_index == b.device_index;

    private static bool IsCompleteCumsum(Tensor offsets)
    {
        using var scope = NewDisposeScope();
        return offsets[0].item<long>() == 0 && offsets.diff().ge(0).all().item<bool>();
    }
}
