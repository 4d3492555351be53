namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>The sizes and rates that build an HSTU or SASRec encoder (hstu-spec.md §3, §4, §5.1).</summary>
/// <remarks>
/// The primary constructor takes what every configuration sets; the rest default to the reference: N =
/// max_sequence_length + 11 (hstu-spec.md §1.5), Dqk = Dv = D / H (§3.7), FFN hidden = D (§5.1), dropout 0.2 (§5.1,
/// ML configs) and the temporal bias on. Derived defaults are computed once, at construction: a <c>with</c> expression
/// that changes D, H or the max length copies the old N, Dqk, Dv and FFN width unless it sets them too.
/// </remarks>
/// <param name="ItemCount">V, rows of the item table including the padding row 0.</param>
/// <param name="EmbeddingDimension">D, the width of item, position and hidden vectors.</param>
/// <param name="NumberOfBlocks">How many HSTU or SASRec blocks are stacked.</param>
/// <param name="NumberOfHeads">H, attention heads.</param>
/// <param name="MaxSequenceLength">The longest history the encoder sees (200 ML, 50 Books).</param>
internal sealed record EncoderShape(long ItemCount, long EmbeddingDimension, int NumberOfBlocks, int NumberOfHeads,
    long MaxSequenceLength)
{
    /// <summary>Columns the reference adds to max_sequence_length: gr_output_length 10, plus 1 (hstu-spec.md §1.5).</summary>
    public const long OutputPadding = 11;

    public const double ReferenceDropoutRate = 0.2;   // train_fn.dropout_rate, linear/ffn_dropout_rate on ML (hstu-spec.md §5.1)

    /// <summary>Gets N: the rows of the positional table and the HSTU attention divisor (hstu-spec.md §1.5, §3.3).</summary>
    public long PaddedLength { get; init; } = MaxSequenceLength + OutputPadding;

    /// <summary>Gets Dqk, the per-head query/key width of HSTU (hstu-spec.md §3.3).</summary>
    public long QueryKeyDimension { get; init; } = EmbeddingDimension / Math.Max(NumberOfHeads, 1);

    /// <summary>Gets Dv, the per-head value width of HSTU (hstu-spec.md §3.3).</summary>
    public long ValueDimension { get; init; } = EmbeddingDimension / Math.Max(NumberOfHeads, 1);

    /// <summary>Gets the hidden width of SASRec's position-wise feed-forward sub-block (hstu-spec.md §4).</summary>
    public long FeedForwardDimension { get; init; } = EmbeddingDimension;

    /// <summary>Gets the dropout after the input embedding (<c>train_fn.dropout_rate</c>, hstu-spec.md §3.1).</summary>
    public double InputDropoutRate { get; init; } = ReferenceDropoutRate;

    /// <summary>Gets the dropout inside each block: HSTU's linear dropout, SASRec's FFN and attention dropout.</summary>
    public double BlockDropoutRate { get; init; } = ReferenceDropoutRate;

    /// <summary>Gets whether HSTU adds the time-bucket bias to its attention (hstu-spec.md §3.4).</summary>
    public bool UseTimeBias { get; init; } = true;

    /// <summary>Throws when a size or rate is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, N is shorter than the longest history, or a rate is outside [0, 1).</exception>
    public void Validate()
    {
        if (ItemCount < 2)
            throw new ArgumentOutOfRangeException(nameof(ItemCount), ItemCount, "Must be at least 2: the padding row 0 and one item.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EmbeddingDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(NumberOfBlocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(NumberOfHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxSequenceLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(QueryKeyDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ValueDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FeedForwardDimension);
        if (PaddedLength <= MaxSequenceLength)
        {
            throw new ArgumentOutOfRangeException(nameof(PaddedLength), PaddedLength,
                $"Must exceed {nameof(MaxSequenceLength)} ({MaxSequenceLength}): the request time needs a slot after the history.");
        }
        ValidateRate(InputDropoutRate, nameof(InputDropoutRate));
        ValidateRate(BlockDropoutRate, nameof(BlockDropoutRate));
    }

    /// <summary>Throws unless D splits evenly over the heads, as SASRec's multi-head attention requires.</summary>
    /// <exception cref="ArgumentOutOfRangeException">D is not a multiple of H.</exception>
    public void ValidateForSasRec()
    {
        Validate();
        if (EmbeddingDimension % NumberOfHeads != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(EmbeddingDimension), EmbeddingDimension,
                $"Must be a multiple of {nameof(NumberOfHeads)} ({NumberOfHeads}) for SASRec's multi-head attention.");
        }
    }

    private static void ValidateRate(double rate, string name)
    {
        if (!double.IsFinite(rate) || rate < 0 || rate >= 1)
            throw new ArgumentOutOfRangeException(name, rate, "Must be in [0, 1).");
    }
}
