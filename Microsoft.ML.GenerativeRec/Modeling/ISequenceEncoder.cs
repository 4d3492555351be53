using Microsoft.ML.GenerativeRec.Jagged;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>What training, evaluation and serving need from an encoder (HSTU or SASRec).</summary>
internal interface ISequenceEncoder
{
    /// <summary>The item embedding table [V, D]; row 0 is padding.</summary>
    Tensor ItemEmbeddings { get; }

    /// <summary>Per-position user vectors [B, n, D], L2-normalised, for every input position of the batch.</summary>
    Tensor EncodeAll(SequenceBatch batch);

    /// <summary>User vectors [B, D] at each row's last input position, L2-normalised (hstu-spec.md §2.1).</summary>
    Tensor EncodeLast(SequenceBatch batch);
}
