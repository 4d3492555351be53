namespace Microsoft.ML.GenerativeRec.Benchmarks.Quality;

/// <summary>One named, reproducible quality run: a model with its options, a data set and an evaluation protocol.</summary>
/// <param name="Name">The name given on the command line and used for the result file.</param>
/// <param name="Model">"hstu", "hstu-large", "sasrec" or "most-popular".</param>
/// <param name="Dataset">"ml-1m-sequences" or "ml-1m-ratings-users-1-2999".</param>
/// <param name="Protocol">Reference (test every epoch, fixed epochs) or validation (early stopping on validation).</param>
/// <param name="Change">What this run changes relative to the reference configuration; empty for the reference itself.</param>
/// <param name="CreateOptions">The trainer options before the runner sets seed, epochs, checkpoints and progress; null for most-popular.</param>
internal sealed record QualityConfig(
    string Name,
    string Model,
    string Dataset,
    LeaveOneOutProtocol Protocol,
    string Change,
    Func<SequentialRecommenderTrainerOptions>? CreateOptions);
