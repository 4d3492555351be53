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
    /// Runs on the CPU too. CPUs with AVX-512 BF16 (e.g. AMD Zen 4, Intel Sapphire Rapids) multiply bfloat16 natively and
    /// can be faster than in float32; on others libtorch converts and the products are slower (docs/benchmarks.md has
    /// the ratio measured here). Results differ from float32 training in the last digits of every product, so a run is
    /// not bit-identical to a float32 run with the same seed.
    /// </remarks>
    BFloat16 = 1,
}
