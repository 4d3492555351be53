namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>The recommended item indices, best first, their scores, and whether they are the popularity fallback.</summary>
internal sealed record Recommendation(int[] Items, float[] Scores, bool IsFallback);
