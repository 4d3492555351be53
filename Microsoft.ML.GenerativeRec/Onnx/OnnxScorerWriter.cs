using Microsoft.ML.GenerativeRec.Evaluation;
using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>
/// <see cref="CandidateScorer"/>'s serving path in ONNX operators: user vectors, cosine scores over the normalised item
/// table, the padding item and each row's history window at −∞, top K, and the popularity fallback of
/// <c>BatchRecommender</c> for rows without a known item.
/// </summary>
/// <remarks>
/// <para>
/// The item table is normalised here exactly as the scorer normalises it (<see cref="L2Norm.Normalize"/>) and stored
/// transposed, [D, V], so a batch's scores are one MatMul. ONNX's TopK ranks equal scores by lower index, which is the
/// library's tie rule (the lower item id first).
/// </para>
/// <para>
/// Unlike <c>BatchRecommender</c>, which drops the −∞ entries when fewer than K items lie outside the history window,
/// a graph's output has K columns in every row: such rows end with entries scored −∞, which are not recommendations.
/// </para>
/// </remarks>
internal sealed class OnnxScorerWriter(OnnxGraph graph)
{
    /// <summary>Writes the scorer.</summary>
    /// <param name="itemEmbeddings">[V, D] the encoder's item table; row 0 is padding.</param>
    /// <param name="outputs">[B, W, D] the encoder's outputs.</param>
    /// <param name="history">The batch.</param>
    /// <param name="count">K, at most the number of items.</param>
    /// <param name="fallback">The K item indices of the popularity fallback, best first.</param>
    public OnnxRecommendations Write(Tensor itemEmbeddings, string outputs, OnnxHistory history, int count, IReadOnlyList<int> fallback)
    {
        var g = graph;
        long candidates = itemEmbeddings.shape[0];
        var last = g.ReduceSum(g.Mul(outputs, history.LastPosition), 1, keepDims: false);      // [B, D]: the output at L_b − 1
        var norms = g.Sqrt(g.ReduceSum(g.Mul(last, last), 1, keepDims: true));                  // [B, 1]
        var users = g.Div(last, g.Max(norms, g.Scalar((float)L2Norm.Epsilon)));                 // [B, D], hstu-spec.md §3.5
        var scores = g.MatMul(users, NormalisedItemTable(itemEmbeddings));                       // [B, V]

        var padding = new float[candidates];
        padding[0] = float.NegativeInfinity;
        scores = g.Add(scores, g.Floats("padding_item", padding, candidates));                  // [B, V], padding at −∞
        var excluded = g.Add(g.Zeros(g.Shape(history.Ids)), g.Scalar(float.NegativeInfinity));  // [B, W] −∞
        scores = g.ScatterElements(scores, history.Ids, excluded, axis: 1);                      // the history window at −∞
        var (topScores, topItems) = g.TopK(scores, g.Int64s(count));                             // [B, K]

        var fallbackItems = g.Int64s("fallback_items", [.. fallback.Take(count).Select(i => (long)i)], count);   // [K]
        return new OnnxRecommendations(
            g.Where(history.HasKnownItem, topItems, fallbackItems),
            g.Where(history.HasKnownItem, topScores, g.Scalar(0f)),
            g.Where(history.HasKnownItem, users, g.Scalar(0f)));
    }

    private string NormalisedItemTable(Tensor itemEmbeddings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return OnnxWeights.Add(graph, "item_table", L2Norm.Normalize(itemEmbeddings).t());   // [D, V]
    }
}
