using System.Globalization;

namespace Microsoft.ML.GenerativeRec;

/// <summary>A snapshot of a training run, reported through <c>Options.Progress</c> after every step and epoch.</summary>
public sealed class TrainingProgress
{
    internal TrainingProgress(int epoch, int numberOfEpochs, int step, int stepsPerEpoch, double loss, double tokensPerSecond,
        TimeSpan elapsed, TimeSpan? estimatedRemaining, bool isEpochEnd, double? validationNdcgAt10, double? validationHitRateAt10,
        double learningRate)
    {
        LearningRate = learningRate;
        Epoch = epoch;
        NumberOfEpochs = numberOfEpochs;
        Step = step;
        StepsPerEpoch = stepsPerEpoch;
        Loss = loss;
        TokensPerSecond = tokensPerSecond;
        Elapsed = elapsed;
        EstimatedRemaining = estimatedRemaining;
        IsEpochEnd = isEpochEnd;
        ValidationNdcgAt10 = validationNdcgAt10;
        ValidationHitRateAt10 = validationHitRateAt10;
    }

    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>The number of epochs the run may take (early stopping can end it sooner).</summary>
    public int NumberOfEpochs { get; }

    /// <summary>The 1-based step within the epoch.</summary>
    public int Step { get; }

    /// <summary>The number of steps (batches) per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The mean training loss per supervised token over the epoch so far.</summary>
    public double Loss { get; }

    /// <summary>The learning rate of the latest step (it changes from step to step under a <see cref="LearningRateSchedule"/>).</summary>
    public double LearningRate { get; }

    /// <summary>Supervised tokens per second over the epoch so far.</summary>
    public double TokensPerSecond { get; }

    /// <summary>Time since training started.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Estimated time to the last epoch, when it can be estimated.</summary>
    public TimeSpan? EstimatedRemaining { get; }

    /// <summary>True for the report that closes an epoch (after validation, if any).</summary>
    public bool IsEpochEnd { get; }

    /// <summary>Validation NDCG@10 of this epoch, at the end of an epoch when there is validation data.</summary>
    public double? ValidationNdcgAt10 { get; }

    /// <summary>Validation HR@10 of this epoch, at the end of an epoch when there is validation data.</summary>
    public double? ValidationHitRateAt10 { get; }

    /// <summary>A one-line summary.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        var invariant = CultureInfo.InvariantCulture;
        string validation = ValidationNdcgAt10 is { } ndcg
            ? string.Create(invariant, $", validation NDCG@10 {ndcg:F4}, HR@10 {ValidationHitRateAt10:F4}")
            : "";
        string eta = EstimatedRemaining is { } r ? string.Create(invariant, $", ETA {r:hh\\:mm\\:ss}") : "";
        return string.Create(invariant,
            $"epoch {Epoch}/{NumberOfEpochs}, step {Step}/{StepsPerEpoch}, loss {Loss:F4}, lr {LearningRate:0.###e0}, {TokensPerSecond:N0} tokens/s{validation}{eta}");
    }
}
