using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Jagged;

/// <summary>One padded batch of sequences on a device, as built by <see cref="SequenceArena.BuildBatch"/>.</summary>
/// <remarks>Owns its tensors; dispose it (or let the enclosing dispose scope do it).</remarks>
internal sealed class SequenceBatch(Tensor ids, Tensor lengths, Tensor targets, Tensor? timestamps, long[] hostLengths) : IDisposable
{
    /// <summary>[B, n] int64 input item indices, right-padded with 0; n is the longest input in the batch.</summary>
    public Tensor Ids { get; } = ids;

    /// <summary>[B] int64 input lengths L_b.</summary>
    public Tensor Lengths { get; } = lengths;

    /// <summary>[B, n] int64: the item that follows each input position; 0 at padding.</summary>
    public Tensor Targets { get; } = targets;

    /// <summary>[B, n + 1] int64 unix seconds: input times, then the target's time at index L_b; null without timestamps.</summary>
    public Tensor? Timestamps { get; } = timestamps;

    /// <summary>The input lengths on the host, to size jagged tensors without a device synchronisation.</summary>
    public long[] HostLengths { get; } = hostLengths;

    /// <summary>ΣL_b: the number of supervised positions.</summary>
    public long TokenCount { get; } = hostLengths.Sum();

    public int BatchSize => HostLengths.Length;

    public void Dispose()
    {
        Ids.Dispose();
        Lengths.Dispose();
        Targets.Dispose();
        Timestamps?.Dispose();
    }
}
