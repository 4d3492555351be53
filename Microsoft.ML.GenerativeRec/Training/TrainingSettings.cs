namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>What the training loop needs from the options, as plain values; the defaults live on the options alone.</summary>
internal sealed record TrainingSettings(
    int NumberOfEpochs,
    int BatchSize,
    int MaxSequenceLength,
    double LearningRate,
    double AdamBeta1,
    double AdamBeta2,
    double WeightDecay,
    int EarlyStoppingPatience,
    int Seed,
    IProgress<TrainingProgress>? Progress,
    CancellationToken CancellationToken,
    string? CheckpointFolder,
    int CheckpointFrequency,
    string Fingerprint,
    bool RestoreBestWeights,
    bool GroupBatchesByLength,
    int LengthGroupBatches,
    bool WeighTokensEqually,
    LearningRateSchedule LearningRateSchedule,
    Action CheckAlive)
{
    // CheckAlive: the host's IHost.CheckAlive, which throws OperationCanceledException once the MLContext is cancelled
    // (AutoML cancels trials that way); run before each step, beside the CancellationToken.

    /// <summary>The cut-off of the validation metric used for early stopping.</summary>
    public const int ValidationCutoff = 10;
}
