using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Evaluation;

/// <summary>Exact full-catalogue ranking of each row's label (hstu-spec.md §2.2–2.4), on the model's device.</summary>
/// <remarks>
/// Scores are cosine similarities between the L2-normalised user and item vectors. The padding item and the items in
/// the row's history window are never candidates; a label inside that window, or unknown to the model, is a miss
/// (rank 0). Ties are resolved by item index (= ascending id): an item with the same score as the label ranks above it
/// only if its index is smaller. The reference leaves tie order to <c>torch.topk</c>, which is unspecified.
/// </remarks>
internal static class FullRanking
{
    /// <summary>The 1-based rank of each label, 0 for a miss.</summary>
    /// <param name="userVectors">[B, D] L2-normalised user vectors.</param>
    /// <param name="itemVectors">[V, D] L2-normalised item vectors; row 0 is padding.</param>
    /// <param name="historyIds">[B, n] int64 item indices of each row's history window, 0-padded.</param>
    /// <param name="labels">[B] int64 label indices, 0 when the label is unknown.</param>
    /// <param name="recommended">When given, receives every item of each row's top <paramref name="topK"/> (for coverage).</param>
    /// <param name="topK">The list length that <paramref name="recommended"/> collects.</param>
    public static long[] Ranks(Tensor userVectors, Tensor itemVectors, Tensor historyIds, Tensor labels,
        ISet<long>? recommended = null, int topK = 0)
    {
        using var scope = NewDisposeScope();
        var scores = userVectors.matmul(itemVectors.t());                                   // [B, V]
        scores.index_fill_(1, tensor(new long[] { 0 }, device: scores.device), float.NegativeInfinity);
        if (historyIds.shape[1] > 0)
        {
            scores.scatter_(1, historyIds, full(historyIds.shape, float.NegativeInfinity, dtype: scores.dtype, device: scores.device));
        }

        var labelColumn = labels.unsqueeze(1);                                              // [B, 1]
        var labelScores = scores.gather(1, labelColumn);                                    // [B, 1]
        var better = scores.gt(labelScores).sum(1);                                         // [B]
        var itemIndex = arange(scores.shape[1], dtype: ScalarType.Int64, device: scores.device).unsqueeze(0);
        var tiedBefore = scores.eq(labelScores).logical_and(itemIndex.lt(labelColumn)).sum(1);
        if (recommended is not null && topK > 0)
        {
            var (values, indices) = scores.topk(Math.Min(topK, (int)scores.shape[1]), dim: 1);      // [B, K]
            long[] top = indices.masked_select(values.isfinite()).cpu().data<long>().ToArray();
            recommended.UnionWith(top);
        }

        var hit = labelScores.squeeze(1).isfinite();
        var ranks = where(hit, better + tiedBefore + 1, zeros_like(better));
        return ranks.cpu().data<long>().ToArray();
    }
}
