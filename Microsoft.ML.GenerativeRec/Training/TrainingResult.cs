namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>What a training run did: how many epochs, which was kept, and the validation curve.</summary>
internal sealed record TrainingResult(int EpochsRun, int BestEpoch, double? BestValidationNdcg, IReadOnlyList<EpochSummary> Epochs);

/// <summary>One epoch of a training run.</summary>
internal sealed record EpochSummary(int Epoch, double Loss, double Seconds, double TokensPerSecond, double? ValidationNdcgAt10, double? ValidationHitRateAt10);
