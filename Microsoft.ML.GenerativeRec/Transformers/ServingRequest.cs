namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>One history to recommend for: item indices (0 = unknown), their times when the model uses them, and the request time.</summary>
internal sealed record ServingRequest(IReadOnlyList<int> History, IReadOnlyList<long>? HistoryTimes, long RequestTime);
