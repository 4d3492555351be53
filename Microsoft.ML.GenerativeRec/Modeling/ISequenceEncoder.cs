using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>What training and retrieval need from HSTU or SASRec: per-position outputs and the item table.</summary>
internal interface ISequenceEncoder
{
    /// <summary>Gets the encoder's shape.</summary>
    EncoderShape Shape { get; }

    /// <summary>Gets the item embedding table E, shared with the loss and retrieval.</summary>
    /// <value>[V, D] parameter; row 0 is padding.</value>
    Tensor ItemEmbeddings { get; }

    /// <summary>Gets or sets the number format of the blocks' matrix products (mixed precision; see <see cref="TorchOps"/>).</summary>
    /// <value>Float32 (default) or BFloat16. Parameters, the input embedding and the loss stay float32 either way.</value>
    ScalarType ComputeType { get; set; }

    /// <summary>Encodes a right-padded batch of histories.</summary>
    /// <param name="ids">[B, n] int64, n ≤ N, 0 at padding.</param>
    /// <param name="lengths">[B] int64 L_b ≥ 1; positions ≥ L_b are padding whatever their id.</param>
    /// <param name="timestamps">[B, n + 1] int64 seconds with the request time at column L_b, or null.</param>
    /// <returns>[B, n, D], zero rows at padding; not normalised.</returns>
    Tensor Encode(Tensor ids, Tensor lengths, Tensor? timestamps);
}
