namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>What one history gets: the recommended items, their scores and, when the model outputs it, the user vector.</summary>
/// <param name="Items">Item indices, best first.</param>
/// <param name="Scores">Their cosine scores; all 0 for the popularity fallback.</param>
/// <param name="IsFallback">Whether the history had no known item and got the popularity fallback.</param>
/// <param name="UserVector">The L2-normalised user vector when the model outputs it (zeros for the fallback), else null.</param>
internal sealed record Recommendation(int[] Items, float[] Scores, bool IsFallback, float[]? UserVector = null);
