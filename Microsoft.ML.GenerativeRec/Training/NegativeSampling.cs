namespace Microsoft.ML.GenerativeRec;

/// <summary>How the sampled softmax draws its negatives (hstu-spec.md §5.3).</summary>
public enum NegativeSampling
{
    /// <summary>
    /// The reference: for every supervised position, R items drawn uniformly with replacement from the whole
    /// catalogue, independently of the other positions.
    /// </summary>
    PerPosition = 0,

    /// <summary>One set of R uniformly drawn items shared by every position of a batch: much cheaper per step.</summary>
    SharedAcrossBatch = 1,

    /// <summary>The other positives of the batch (distinct items) serve as negatives; R is not used.</summary>
    InBatch = 2,
}
