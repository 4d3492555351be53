using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Evaluation;

/// <summary>
/// Scores every item a model knows for a batch of histories: the one place where serving, per-epoch validation and
/// <c>rec.Evaluate</c> turn user vectors into candidates (hstu-spec.md §2.2–2.4).
/// </summary>
/// <remarks>
/// <para>
/// Scores are cosine similarities between the L2-normalised user vector (the encoder's last valid output) and the
/// L2-normalised item table, which is normalised once, when the scorer is made: a scorer must not outlive a change of
/// the weights (training makes one per validation pass, a fitted model one for its lifetime).
/// </para>
/// <para>
/// The padding item and every item of a row's history window score −∞, so they are never recommended and never
/// outrank a label; a label inside the window, or unknown (index 0), is a miss (rank 0). Ties rank the lower item index
/// (= the lower id) first. The reference leaves tie order to <c>torch.topk</c>, which is unspecified.
/// </para>
/// <para>
/// The scorer holds its constants as tensors and Scalars made once and disposed with it, so a call creates no TorchSharp
/// <c>Scalar</c> that only a finalizer would free. It never changes after construction, so threads may share it.
/// </para>
/// </remarks>
internal sealed class CandidateScorer : IDisposable
{
    private readonly ISequenceEncoder? _encoder;
    private readonly Tensor _items;                 // [V, D] L2-normalised; row 0 is padding
    private readonly Tensor _itemIndices;           // [1, V] int64
    private readonly Tensor _excludedScore;         // [] −∞, expanded over the excluded positions
    private readonly Scalar _minusInfinity = float.NegativeInfinity.ToScalar();
    private readonly Scalar _one = 1.ToScalar();

    /// <summary>A scorer over the item table of <paramref name="encoder"/>, which encodes the histories too.</summary>
    public CandidateScorer(ISequenceEncoder encoder)
        : this(encoder.ItemEmbeddings)
    {
        _encoder = encoder;
    }

    /// <summary>A scorer over <paramref name="itemEmbeddings"/> alone: it scores user vectors, not batches.</summary>
    /// <param name="itemEmbeddings">[V, D]; row 0 is padding. Not owned: the scorer keeps a normalised copy.</param>
    public CandidateScorer(Tensor itemEmbeddings)
    {
        using var noGrad = no_grad();
        _items = L2Norm.Normalize(itemEmbeddings).DetachFromDisposeScope();
        _itemIndices = arange(_items.shape[0], ScalarType.Int64, _items.device).unsqueeze_(0).DetachFromDisposeScope();
        _excludedScore = full([], _minusInfinity, _items.dtype, _items.device).DetachFromDisposeScope();
    }

    /// <summary>Gets V, the number of candidates including the padding row.</summary>
    public long CandidateCount => _items.shape[0];

    /// <summary>The normalised vectors of items 1..V − 1 (padding left out), one array per item, copied to the host.</summary>
    public float[][] ItemVectors()
    {
        using var scope = NewDisposeScope();
        int dimension = (int)_items.shape[1];
        float[] flat = _items.narrow(0, 1, _items.shape[0] - 1).cpu().data<float>().ToArray();
        return [.. flat.Chunk(dimension)];
    }

    /// <summary>The user vectors of a batch: each row's last valid output, L2-normalised (hstu-spec.md §3.5).</summary>
    /// <returns>[B, D], owned by the caller's dispose scope.</returns>
    public Tensor UserVectors(SequenceBatch batch)
    {
        var encoder = _encoder ?? throw new InvalidOperationException("This scorer was made from an item table alone and cannot encode histories.");
        var outputs = encoder.Encode(batch.Ids, batch.Lengths, batch.Timestamps);          // [B, n, D]
        return SequenceTensors.UserEmbeddings(outputs, batch.Lengths);                      // [B, D]
    }

    /// <summary>The score of every candidate, with the padding item and each row's history window at −∞.</summary>
    /// <param name="users">[B, D] L2-normalised user vectors.</param>
    /// <param name="historyIds">[B, n] int64 item indices of each row's history window, 0-padded.</param>
    /// <returns>[B, V], owned by the caller's dispose scope.</returns>
    public Tensor Scores(Tensor users, Tensor historyIds)
    {
        var scores = users.matmul(_items.t());                                              // [B, V]
        scores.narrow(1, 0, 1).fill_(_minusInfinity);
        if (historyIds.shape[1] > 0)
        {
            scores.scatter_(1, historyIds, _excludedScore.expand(historyIds.shape));
        }

        return scores;
    }

    /// <summary>The best <paramref name="k"/> candidates of each row, best first, and the user vectors when asked for.</summary>
    /// <returns>Row-major [B, k] scores and item indices (excluded items score −∞ and come last), and [B, D] user vectors or null.</returns>
    public (float[] Scores, long[] Items, float[]? Users) TopK(SequenceBatch batch, int k, bool withUsers = false)
    {
        using var scope = NewDisposeScope();
        var users = UserVectors(batch);                                                     // [B, D]
        var (values, indices) = Scores(users, batch.Ids).topk(k, dim: 1);                   // [B, k]
        return (values.cpu().data<float>().ToArray(), indices.cpu().data<long>().ToArray(), withUsers ? users.cpu().data<float>().ToArray() : null);
    }

    /// <summary>The 1-based full-ranking rank of each row's label, 0 for a miss.</summary>
    /// <param name="batch">The rows; each row's label is given separately.</param>
    /// <param name="labels">The label index of each row, 0 when unknown.</param>
    /// <param name="recommended">When given, receives every item of each row's top <paramref name="topK"/> (for coverage).</param>
    /// <param name="topK">The list length that <paramref name="recommended"/> collects.</param>
    public long[] Ranks(SequenceBatch batch, long[] labels, ISet<long>? recommended = null, int topK = 0)
    {
        using var scope = NewDisposeScope();
        var labelTensor = tensor(labels, [labels.Length], device: _items.device);
        return Ranks(UserVectors(batch), batch.Ids, labelTensor, recommended, topK);
    }

    /// <summary>The 1-based full-ranking rank of each label, 0 for a miss.</summary>
    /// <param name="users">[B, D] L2-normalised user vectors.</param>
    /// <param name="historyIds">[B, n] int64 item indices of each row's history window, 0-padded.</param>
    /// <param name="labels">[B] int64 label indices, 0 when the label is unknown.</param>
    /// <param name="recommended">When given, receives every item of each row's top <paramref name="topK"/> (for coverage).</param>
    /// <param name="topK">The list length that <paramref name="recommended"/> collects.</param>
    public long[] Ranks(Tensor users, Tensor historyIds, Tensor labels, ISet<long>? recommended = null, int topK = 0)
    {
        using var scope = NewDisposeScope();
        var scores = Scores(users, historyIds);                                             // [B, V]
        var labelColumn = labels.unsqueeze(1);                                              // [B, 1]
        var labelScores = scores.gather(1, labelColumn);                                    // [B, 1]
        var better = scores.gt(labelScores).sum(1);                                         // [B]
        var tiedBefore = scores.eq(labelScores).logical_and(_itemIndices.lt(labelColumn)).sum(1); // [B]
        var above = better.add(tiedBefore, _one);                                           // [B]: candidates ranked above
        if (recommended is not null && topK > 0)
        {
            var (values, indices) = scores.topk((int)Math.Min(topK, scores.shape[1]), dim: 1); // [B, K]
            recommended.UnionWith(indices.masked_select(values.isfinite()).cpu().data<long>().ToArray());
        }

        long[] ranks = above.cpu().data<long>().ToArray();
        bool[] hits = labelScores.squeeze(1).isfinite().cpu().data<bool>().ToArray();
        for (int b = 0; b < ranks.Length; b++)
        {
            ranks[b] = hits[b] ? ranks[b] + 1 : 0;
        }

        return ranks;
    }

    /// <summary>Frees the normalised item table and the constants.</summary>
    public void Dispose()
    {
        _items.Dispose();
        _itemIndices.Dispose();
        _excludedScore.Dispose();
        _minusInfinity.Dispose();
        _one.Dispose();
    }
}
