namespace Microsoft.ML.GenerativeRec;

/// <summary>How the learning rate changes over training.</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate stays at its set value for the whole run, as the reference trains (hstu-spec.md §5.2).</summary>
    Constant = 0,

    /// <summary>
    /// Cosine annealing, stepped after every batch: the learning rate falls from its set value to 0 along half a cosine
    /// over all the batches of <see cref="SequentialRecommenderTrainerOptions.NumberOfEpochs"/> epochs, so the last
    /// epochs take small steps around the minimum they reached. Early stopping may end the run before the rate is 0.
    /// </summary>
    /// <remarks>Not the reference's schedule: docs/benchmarks.md measures it against the constant rate.</remarks>
    Cosine = 1,
}
