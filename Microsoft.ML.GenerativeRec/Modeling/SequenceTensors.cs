using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>Masks, gathers and head splits over right-padded [B, n, ...] batches, shared by both encoders.</summary>
internal static class SequenceTensors
{
    /// <summary>Marks the positions before each row's length.</summary>
    /// <param name="lengths">[B] integer L_b.</param>
    /// <param name="length">n, the batch's padded length.</param>
    /// <param name="dtype">The mask's dtype.</param>
    /// <returns>[B, n, 1] with 1 where position &lt; L_b, else 0, on the device of <paramref name="lengths"/>.</returns>
    public static Tensor ValidMask(Tensor lengths, long length, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var start = 0.ToScalar();                       // explicit Scalars, disposed here rather than by the finalizer
        using var stop = length.ToScalar();
        using var step = 1.ToScalar();
        var positions = arange(start, stop, step, ScalarType.Int64, lengths.device).unsqueeze(0);   // [1, n] int64
        var valid = positions.lt(lengths.to_type(ScalarType.Int64).unsqueeze(1));             // [B, n] bool
        return valid.unsqueeze(-1).to_type(dtype).MoveToOuterDisposeScope();                  // [B, n, 1]
    }

    /// <summary>The user vectors used for retrieval: each row's last valid output (L_b − 1), L2-normalised (hstu-spec.md §3.5).</summary>
    /// <param name="outputs">[B, n, D] from <see cref="ISequenceEncoder.Encode"/>.</param>
    /// <param name="lengths">[B] integer L_b, each in [1, n].</param>
    /// <returns>[B, D] of unit (or zero) norm.</returns>
    public static Tensor UserEmbeddings(Tensor outputs, Tensor lengths)
    {
        using var scope = NewDisposeScope();
        using var one = 1.ToScalar();
        var index = lengths.to_type(ScalarType.Int64).sub(one).view(-1, 1, 1).expand(-1, 1, outputs.shape[2]);   // [B, 1, D] int64
        return L2Norm.Normalize(outputs.gather(1, index).squeeze(1)).MoveToOuterDisposeScope();               // [B, D]
    }

    /// <summary>Splits the heads of an attention projection: [B, n, H·W] → [B, H, n, W].</summary>
    public static Tensor SplitHeads(Tensor t, long heads, long width)
        => t.reshape(t.shape[0], t.shape[1], heads, width).transpose(1, 2);

    /// <summary>Throws unless ids are [B, n] int64 with n ≤ N and lengths are [B].</summary>
    /// <param name="ids">The batch's item ids.</param>
    /// <param name="lengths">The batch's row lengths.</param>
    /// <param name="paddedLength">N, the longest batch the encoder accepts.</param>
    /// <exception cref="ArgumentException">A shape or dtype doesn't match.</exception>
    public static void CheckBatch(Tensor ids, Tensor lengths, long paddedLength)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(lengths);
        if (ids.dim() != 2 || ids.dtype != ScalarType.Int64 || ids.shape[1] > paddedLength)
        {
            throw new ArgumentException(
                $"Ids must be [B, n] int64 with n ≤ N ({paddedLength}), got {ids.dtype} of shape " +
                $"[{string.Join(", ", ids.shape)}].", nameof(ids));
        }
        if (lengths.dim() != 1 || lengths.shape[0] != ids.shape[0])
        {
            throw new ArgumentException(
                $"Lengths must be [B] = [{ids.shape[0]}], got [{string.Join(", ", lengths.shape)}].", nameof(lengths));
        }
    }
}
