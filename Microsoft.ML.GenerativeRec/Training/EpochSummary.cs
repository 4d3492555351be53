using System.Globalization;

namespace Microsoft.ML.GenerativeRec;

/// <summary>What one training epoch did.</summary>
public sealed class EpochSummary
{
    internal EpochSummary(int epoch, double loss, double seconds, double tokensPerSecond, double? validationNdcgAt10, double? validationHitRateAt10,
        double? validationSeconds = null)
    {
        Epoch = epoch;
        Loss = loss;
        Seconds = seconds;
        TokensPerSecond = tokensPerSecond;
        ValidationNdcgAt10 = validationNdcgAt10;
        ValidationHitRateAt10 = validationHitRateAt10;
        ValidationSeconds = validationSeconds;
    }

    /// <summary>Gets the 1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>Gets the mean training loss per supervised token.</summary>
    public double Loss { get; }

    /// <summary>Gets the epoch's training time in seconds, without validation.</summary>
    public double Seconds { get; }

    /// <summary>Gets the supervised tokens per second of training.</summary>
    public double TokensPerSecond { get; }

    /// <summary>Gets the validation NDCG@10 after the epoch, when there was validation data.</summary>
    public double? ValidationNdcgAt10 { get; }

    /// <summary>Gets the validation HR@10 after the epoch, when there was validation data.</summary>
    public double? ValidationHitRateAt10 { get; }

    /// <summary>Gets the time the validation pass after this epoch took, when there was validation data and the epoch ran in this process.</summary>
    /// <remarks>Not kept in saved models or checkpoints.</remarks>
    public double? ValidationSeconds { get; }

    /// <summary>This epoch with its validation figures.</summary>
    internal EpochSummary WithValidation(double ndcgAt10, double hitRateAt10, double seconds)
        => new(Epoch, Loss, Seconds, TokensPerSecond, ndcgAt10, hitRateAt10, seconds);

    /// <summary>The epoch's figures on one line.</summary>
    /// <returns>Epoch, loss, seconds, tokens/s and the validation figures when there are any.</returns>
    public override string ToString()
    {
        var invariant = CultureInfo.InvariantCulture;
        string validation = ValidationNdcgAt10 is { } ndcg
            ? string.Create(invariant, $", validation NDCG@10 {ndcg:F4}, HR@10 {ValidationHitRateAt10:F4}")
            : "";
        return string.Create(invariant, $"epoch {Epoch}: loss {Loss:F4}, {Seconds:F1} s, {TokensPerSecond:F0} tokens/s{validation}");
    }
}
