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

    /// <summary>
    /// Every item of the catalogue other than the positive is a negative: the full softmax over the catalogue, with
    /// nothing sampled; R is not used. Each step costs about T·V·D multiply-adds, which is cheap for catalogues of
    /// thousands of items (MovieLens-1M: V ≈ 3,700, about 29·R for R = 128) and becomes the dominant cost for catalogues
    /// of hundreds of thousands.
    /// </summary>
    /// <remarks>
    /// Not the reference loss: a principled change that removes the sampling noise of the negatives (Klenitskiy and
    /// Vasilev, "Turning Dross Into Gold Loss", RecSys 2023, trained SASRec with it). docs/benchmarks.md measures it.
    /// </remarks>
    AllItems = 3,
}
