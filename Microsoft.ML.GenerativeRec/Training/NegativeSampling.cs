namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>How <see cref="SampledSoftmaxLoss"/> chooses the negatives each supervised position is contrasted with.</summary>
/// <remarks>
/// Negatives are never popularity-corrected and history items are not removed, as in the reference (hstu-spec.md §5.3).
/// In every mode a negative whose id equals the row's positive gets the fixed logit −5·10⁴, so it adds
/// (almost exactly) nothing to the softmax.
/// </remarks>
internal enum NegativeSampling
{
    /// <summary>
    /// The reference ("local" sampler, hstu-spec.md §5.3): each supervised position draws its own R ids uniformly,
    /// with replacement, from items 1..V−1.
    /// </summary>
    PerPosition = 0,

    /// <summary>
    /// One set of R ids, drawn uniformly with replacement from 1..V−1, shared by all T positions of the batch, so the
    /// logits come from one [T, D]×[D, R] matmul. Unlike the reference, the negatives of different positions are not
    /// independent; the expected loss is the same.
    /// </summary>
    SharedAcrossBatch = 1,

    /// <summary>
    /// The negatives are all distinct positive ids of the batch (no sampling: R is ignored, the number of negatives is
    /// the number of distinct positives); each row's own positive is among them and is masked out like a collision.
    /// Unlike the reference's unused in-batch sampler, the ids are not resampled, and, as there, popular items are
    /// over-represented as negatives without any logQ correction.
    /// </summary>
    InBatch = 2,
}
