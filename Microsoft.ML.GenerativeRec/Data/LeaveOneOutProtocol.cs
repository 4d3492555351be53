namespace Microsoft.ML.GenerativeRec;

/// <summary>Which rows a leave-one-out split holds out (hstu-spec.md §1.4, §10.1).</summary>
public enum LeaveOneOutProtocol
{
    /// <summary>
    /// Train on all but the last two items, validate on the second-to-last, test on the last. Model selection
    /// (early stopping) uses the validation rows only, so test figures are not tuned on the test set.
    /// </summary>
    Validation = 0,

    /// <summary>
    /// The reference implementation's protocol: train on all but the last item and test on the last; there are
    /// no validation rows.
    /// </summary>
    Reference = 1,
}
