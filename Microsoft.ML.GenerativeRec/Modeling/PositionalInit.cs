namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>How the learned positional table P is initialised: the two encoders differ (hstu-spec.md §3.6, §4).</summary>
internal enum PositionalInit
{
    /// <summary>xavier_normal_, std √(2 / (N + D)): HSTU's <c>reset_params</c> overwrites P (hstu-spec.md §3.6).</summary>
    XavierNormal,

    /// <summary>Truncated normal, std √(1 / D): SASRec keeps the preprocessor's initialisation (hstu-spec.md §4).</summary>
    TruncatedNormal,
}
