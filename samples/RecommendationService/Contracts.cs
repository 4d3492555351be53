using System.Text.Json.Serialization;

namespace GenerativeRec.Samples.Serving;

/// <summary>A request: the user's history, oldest first, and for a time-aware model the times and the request time.</summary>
/// <param name="History">Item ids the user interacted with, oldest first. Ids the model does not know are skipped; an empty
/// history (or one of unknown ids only) gets the most popular items.</param>
/// <param name="HistoryTimestamps">Unix seconds of each history item; required, with <paramref name="Timestamp"/>, by a model
/// trained with timestamps, and ignored otherwise.</param>
/// <param name="Timestamp">The request time in unix seconds.</param>
/// <param name="Count">How many items to return: 1 to the model's K; default K.</param>
public sealed record RecommendationRequest(long[]? History, long[]? HistoryTimestamps = null, long? Timestamp = null, int? Count = null)
{
    internal const string Shape = """{"history": [item ids, oldest first], "historyTimestamps": [unix seconds] (time-aware models), "timestamp": unix seconds (time-aware models), "count": 1..K (optional)}""";
}

/// <summary>One recommended item.</summary>
/// <param name="Id">The item id.</param>
/// <param name="Title">The item's title when the service was given a movies file and knows the id, else null.</param>
/// <param name="Score">The cosine score; 0 for every item of a popularity fallback.</param>
public sealed record RecommendedItem(long Id, string? Title, float Score);

/// <summary>The answer: the items, best first.</summary>
/// <param name="Items">The recommended items, best first, none of them in the history.</param>
/// <param name="IsPopularityFallback">True when no history item was known and the items are the most popular ones.</param>
public sealed record RecommendationResponse(RecommendedItem[] Items, bool IsPopularityFallback);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RecommendationRequest))]
[JsonSerializable(typeof(RecommendationResponse))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
internal sealed partial class ServiceJsonContext : JsonSerializerContext;
