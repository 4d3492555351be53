namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>What <see cref="OnnxScorerWriter"/> writes for a batch, in graph variables.</summary>
/// <param name="Items">[B, K] int64 item indices, best first.</param>
/// <param name="Scores">[B, K] float32 cosine scores of <paramref name="Items"/>; 0 for the popularity fallback.</param>
/// <param name="UserVectors">[B, D] float32 L2-normalised user vectors; 0 for the fallback.</param>
internal sealed record OnnxRecommendations(string Items, string Scores, string UserVectors);
