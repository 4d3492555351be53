using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Evaluation;
using Microsoft.ML.GenerativeRec.Jagged;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>Turns serving requests into one encoder batch and the scorer's top K back into recommendations.</summary>
/// <remarks>
/// Unknown history items (index 0) are skipped; a history with no known item gets the popularity fallback, with
/// score 0. Fewer than K items come back when the history window covers nearly the whole catalogue.
/// </remarks>
internal sealed class BatchRecommender
{
    private readonly CandidateScorer _scorer;
    private readonly int _maxSequenceLength;
    private readonly int _count;
    private readonly int[] _fallback;
    private readonly bool _usesTimestamps;
    private readonly int? _userDimension;
    private readonly Device _device;

    /// <param name="scorer">Scores the candidates; shared with the model's evaluation.</param>
    /// <param name="maxSequenceLength">The most recent history items the encoder reads.</param>
    /// <param name="numberOfRecommendations">K, at most the number of items.</param>
    /// <param name="fallbackRanking">Item indices by training popularity, at least K of them.</param>
    /// <param name="usesTimestamps">Whether requests carry times for the encoder.</param>
    /// <param name="userDimension">D when recommendations carry the user vector, else null.</param>
    /// <param name="device">Where the batches go.</param>
    public BatchRecommender(CandidateScorer scorer, int maxSequenceLength, int numberOfRecommendations, int[] fallbackRanking,
        bool usesTimestamps, int? userDimension, Device device)
    {
        _userDimension = userDimension;
        _scorer = scorer;
        _maxSequenceLength = maxSequenceLength;
        _count = numberOfRecommendations;
        _fallback = fallbackRanking[.._count];
        _usesTimestamps = usesTimestamps;
        _device = device;
    }

    /// <summary>The top-K item indices and cosine scores of every request, scored with one encoder call.</summary>
    public Recommendation[] Recommend(IReadOnlyList<ServingRequest> requests)
    {
        var results = new Recommendation[requests.Count];
        var encoded = new List<int>();                    // which requests go through the encoder
        var arena = Collect(requests, results, encoded);
        if (encoded.Count == 0)
        {
            return results;
        }

        using var noGrad = no_grad();
        using var batch = arena.BuildBatch([.. Enumerable.Range(0, encoded.Count)], _maxSequenceLength, _device);
        var (scores, items, users) = _scorer.TopK(batch, _count, withUsers: _userDimension is not null);
        for (int b = 0; b < encoded.Count; b++)
        {
            // Excluded items score −∞ and sort last; drop them when fewer than K items remain.
            var rowScores = scores.AsSpan(b * _count, _count);
            int kept = rowScores.IndexOf(float.NegativeInfinity) is var end and >= 0 ? end : _count;
            var rowItems = Array.ConvertAll(items[(b * _count)..((b * _count) + kept)], i => (int)i);
            float[]? user = _userDimension is int d ? users![(b * d)..((b + 1) * d)] : null;
            results[encoded[b]] = new Recommendation(rowItems, rowScores[..kept].ToArray(), IsFallback: false, user);
        }

        return results;
    }

    /// <summary>
    /// The known items of each request, back to back and closed by the (unknown) next item, as the arena the batch is
    /// built from; requests without a known item get the fallback in <paramref name="results"/> instead.
    /// </summary>
    private SequenceArena Collect(IReadOnlyList<ServingRequest> requests, Recommendation[] results, List<int> encoded)
    {
        var items = new List<long>();
        var times = _usesTimestamps ? new List<long>() : null;
        var offsets = new List<int> { 0 };
        for (int r = 0; r < requests.Count; r++)
        {
            var request = requests[r];
            int start = items.Count;
            for (int i = 0; i < request.History.Count; i++)
            {
                if (request.History[i] != ItemVocabulary.Padding)
                {
                    items.Add(request.History[i]);
                    times?.Add(request.HistoryTimes![i]);
                }
            }

            if (items.Count == start)
            {
                results[r] = new Recommendation(_fallback, new float[_fallback.Length], IsFallback: true,
                    _userDimension is int d ? new float[d] : null);
                continue;
            }

            items.Add(ItemVocabulary.Padding);
            times?.Add(request.RequestTime);
            offsets.Add(items.Count);
            encoded.Add(r);
        }

        return new SequenceArena([.. items], times?.ToArray(), [.. offsets]);
    }
}
