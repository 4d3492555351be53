using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace GenerativeRec.Samples.Serving;

/// <summary>
/// Recommends with an HSTU or SASRec model exported by <c>mlContext.Recommendation().ConvertToOnnx</c> (docs/onnx.md),
/// through ONNX Runtime alone. One instance serves every request: ONNX Runtime's <see cref="InferenceSession.Run(IReadOnlyCollection{NamedOnnxValue})"/>
/// may be called from many threads at once, and each call here builds its own input and output tensors.
/// </summary>
public sealed class OnnxRecommender : IDisposable
{
    /// <summary>The longest history a request may send; the model reads only its most recent items anyway.</summary>
    public const int MaxHistoryLength = 10_000;

    private const string HistoryName = "History";
    private const string HistoryTimestampsName = "HistoryTimestamps";
    private const string TimestampName = "Timestamp";
    private const string PredictedItemsName = "PredictedItems";
    private const string ScoresName = "Scores";

    private readonly InferenceSession _session;
    private readonly bool _int32Ids;
    private readonly string[] _outputs = [PredictedItemsName, ScoresName];

    /// <summary>Loads the model.</summary>
    /// <param name="modelPath">An exported <c>.onnx</c> file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">The model is not an exported recommender with Int32 or Int64 item ids.</exception>
    public OnnxRecommender(string modelPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"The ONNX model '{modelPath}' does not exist (the Model setting).", modelPath);
        }

        // One thread per call: the service runs many calls at once, and a model this small gains nothing from splitting one.
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(modelPath, options);
        ModelPath = modelPath;
        try
        {
            var inputs = _session.InputMetadata;
            var outputs = _session.OutputMetadata;
            if (!inputs.TryGetValue(HistoryName, out var history) || !outputs.ContainsKey(PredictedItemsName) || !outputs.TryGetValue(ScoresName, out var scores))
            {
                throw new NotSupportedException($"'{modelPath}' is not an exported recommender: expected an input '{HistoryName}' and outputs " +
                    $"'{PredictedItemsName}' and '{ScoresName}', found inputs {string.Join(", ", inputs.Keys)} and outputs {string.Join(", ", outputs.Keys)}.");
            }

            _int32Ids = history.ElementType == typeof(int);
            if (!_int32Ids && history.ElementType != typeof(long))
            {
                throw new NotSupportedException($"'{modelPath}' takes {history.ElementType.Name} item ids; this service reads Int32 or Int64 ids.");
            }

            UsesTimestamps = inputs.ContainsKey(HistoryTimestampsName) && inputs.ContainsKey(TimestampName);
            NumberOfRecommendations = scores.Dimensions[^1] > 0 ? scores.Dimensions[^1]
                : throw new NotSupportedException($"'{modelPath}' has no fixed number of recommendations (its '{ScoresName}' output is [{string.Join(", ", scores.Dimensions)}]).");
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>Gets the model file.</summary>
    public string ModelPath { get; }

    /// <summary>Gets K, the most items one request can get.</summary>
    public int NumberOfRecommendations { get; }

    /// <summary>Gets whether requests must carry history times and the request time.</summary>
    public bool UsesTimestamps { get; }

    /// <summary>What is wrong with <paramref name="request"/>, or null when it can be scored.</summary>
    public string? Validate(RecommendationRequest request)
    {
        if (request.History is null)
        {
            return $"'history' is required: the user's item ids, oldest first (an empty list gets the most popular items). Expected {RecommendationRequest.Shape}.";
        }

        if (request.History.Length > MaxHistoryLength)
        {
            return $"'history' has {request.History.Length} items; at most {MaxHistoryLength} are accepted (the model reads only the most recent ones).";
        }

        if (_int32Ids && Array.FindIndex(request.History, id => id is < int.MinValue or > int.MaxValue) is var bad and >= 0)
        {
            return $"'history[{bad}]' is {request.History[bad]}; this model's item ids are 32-bit integers.";
        }

        if (request.Count is { } count && (count < 1 || count > NumberOfRecommendations))
        {
            return $"'count' is {count}; it must be from 1 to {NumberOfRecommendations}, the number of items this model recommends.";
        }

        if (!UsesTimestamps)
        {
            return null;
        }

        if (request.HistoryTimestamps is null || request.Timestamp is null)
        {
            return "This model reads time: 'historyTimestamps' (unix seconds of each history item) and 'timestamp' (the request time) are required.";
        }

        if (request.HistoryTimestamps.Length != request.History.Length)
        {
            return $"'historyTimestamps' has {request.HistoryTimestamps.Length} values for {request.History.Length} history items; give one time per item.";
        }

        if (request.Timestamp < 0)
        {
            return $"'timestamp' is {request.Timestamp}; times are unix seconds, never negative.";
        }

        if (Array.FindIndex(request.HistoryTimestamps, t => t < 0) is var negative and >= 0)
        {
            return $"'historyTimestamps[{negative}]' is {request.HistoryTimestamps[negative]}; times are unix seconds, never negative.";
        }

        return null;
    }

    /// <summary>The best items for a request that <see cref="Validate"/> accepted, best first.</summary>
    /// <exception cref="ArgumentException">The request is invalid; the message is <see cref="Validate"/>'s.</exception>
    public (long[] Items, float[] Scores, bool IsPopularityFallback) Recommend(RecommendationRequest request)
    {
        if (Validate(request) is { } error)
        {
            throw new ArgumentException(error, nameof(request));
        }

        long[] history = request.History!;
        int[] shape = [1, history.Length];
        var inputs = new List<NamedOnnxValue>(3)
        {
            _int32Ids
                ? NamedOnnxValue.CreateFromTensor(HistoryName, new DenseTensor<int>(Array.ConvertAll(history, id => (int)id), shape))
                : NamedOnnxValue.CreateFromTensor(HistoryName, new DenseTensor<long>(history, shape)),
        };
        if (UsesTimestamps)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor(HistoryTimestampsName, new DenseTensor<long>(request.HistoryTimestamps!, shape)));
            inputs.Add(NamedOnnxValue.CreateFromTensor(TimestampName, new DenseTensor<long>(new[] { request.Timestamp!.Value }, [1, 1])));
        }

        using var results = _session.Run(inputs, _outputs);
        var itemTensor = results[0];
        long[] items = _int32Ids
            ? [.. itemTensor.AsEnumerable<int>().Select(id => (long)id)]
            : [.. itemTensor.AsEnumerable<long>()];
        float[] scores = [.. results[1].AsEnumerable<float>()];
        // When fewer than K items lie outside the history, the graph fills the list with −∞ scores: not recommendations.
        int real = Array.FindIndex(scores, float.IsNegativeInfinity) is var end and >= 0 ? end : scores.Length;
        int count = Math.Min(request.Count ?? NumberOfRecommendations, real);
        // The exported model marks its popularity fallback as the TorchSharp model does: every score exactly 0.
        bool fallback = scores.Length > 0 && Array.TrueForAll(scores, s => s == 0);
        return (items[..count], scores[..count], fallback);
    }

    /// <summary>Runs one request so ONNX Runtime's lazy initialisation happens before the first user's.</summary>
    public void WarmUp()
        => Recommend(new RecommendationRequest([], UsesTimestamps ? [] : null, UsesTimestamps ? 0 : null));

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
