using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Performance;

/// <summary>
/// Analytic FLOPs of the encoder's matrix products on a batch, forward and backward (backward ≈ 2 × forward), counting
/// only useful work: the linear layers on the Σ L_b real tokens and attention on each row's own L_b × L_b square.
/// Element-wise operations (norms, SiLU, bias, masks) are left out, as is the loss.
/// </summary>
internal static class EncoderFlops
{
    public static double Hstu(EncoderShape shape, IReadOnlyList<long> lengths)
    {
        double tokens = lengths.Sum();
        double squares = lengths.Sum(l => (double)l * l);
        double d = shape.EmbeddingDimension, h = shape.NumberOfHeads, qk = shape.QueryKeyDimension, v = shape.ValueDimension;
        double perBlock = 2 * tokens * d * (2 * h * v + 2 * h * qk)      // xn · W_uvqk
            + 2 * squares * h * qk                                         // Q Kᵀ
            + 2 * squares * h * v                                          // A V
            + 2 * tokens * h * v * d;                                      // output projection
        return 3 * shape.NumberOfBlocks * perBlock;
    }
}
