namespace Microsoft.ML.GenerativeRec;

/// <summary>What one training epoch did.</summary>
/// <param name="Epoch">The 1-based epoch.</param>
/// <param name="Loss">The mean training loss per supervised token.</param>
/// <param name="Seconds">The epoch's training time, without validation.</param>
/// <param name="TokensPerSecond">Supervised tokens per second of training.</param>
/// <param name="ValidationNdcgAt10">Validation NDCG@10 after the epoch, when there was validation data.</param>
/// <param name="ValidationHitRateAt10">Validation HR@10 after the epoch, when there was validation data.</param>
public sealed record EpochSummary(int Epoch, double Loss, double Seconds, double TokensPerSecond, double? ValidationNdcgAt10, double? ValidationHitRateAt10)
{
    /// <summary>Gets the time the validation pass after this epoch took, when there was validation data and the epoch ran in this process.</summary>
    /// <remarks>Not kept in saved models or checkpoints.</remarks>
    public double? ValidationSeconds { get; init; }
}
