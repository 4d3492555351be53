using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>The L2 normalisation applied to user and item vectors alike (hstu-spec.md §3.5, §5.1).</summary>
internal static class L2Norm
{
    /// <summary>The floor on the norm, <c>l2_norm_eps</c> (hstu-spec.md §3.5, §5.1).</summary>
    public const double Epsilon = 1e-6;

    /// <summary>Returns y / max(‖y‖₂, 1e-6) over the last dimension (<c>L2NormEmbeddingPostprocessor</c>).</summary>
    /// <param name="vectors">[..., D]; a zero vector stays zero.</param>
    /// <returns>[..., D], owned by the caller.</returns>
    public static Tensor Normalize(Tensor vectors)
    {
        using var epsilon = Epsilon.ToScalar();                   // disposed here, not left to the finalizer
        using var norms = vectors.norm(-1, keepdim: true);        // [..., 1]
        using var floored = norms.clamp_min(epsilon);             // [..., 1]
        return vectors.div(floored);                              // [..., D]
    }
}
