namespace Microsoft.ML.GenerativeRec;

/// <summary>The number format of the encoder's matrix products while a model trains.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32, as the reference configurations train.</summary>
    Float32 = 0,

    /// <summary>
    /// Mixed precision for GPUs with bfloat16 matrix units (NVIDIA Ampere and later): the encoder's projections and
    /// attention products run in bfloat16, while the weights, the optimizer state, the embeddings, the norms and the loss
    /// stay float32. The fitted model is float32 and scores in float32.
    /// </summary>
    /// <remarks>
    /// Runs on the CPU too, where it only costs time: most CPUs have no bfloat16 matrix units, so the products are
    /// converted and computed more slowly than in float32 (docs/benchmarks.md has the measured ratio).
    /// </remarks>
    BFloat16 = 1,
}
