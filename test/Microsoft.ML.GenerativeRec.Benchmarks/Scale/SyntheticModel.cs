using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Scale;

/// <summary>An untrained HSTU of any catalogue size (random initial weights): scoring costs do not depend on what the weights learned.</summary>
internal static class SyntheticModel
{
    public static HstuTransformer Hstu(MLContext mlContext, int itemCount, int dimension, int blocks, int heads, int maxSequenceLength, int k = 10)
    {
        var shape = new EncoderShape(itemCount + 1, dimension, blocks, heads, maxSequenceLength) { UseTimeBias = false };
        var module = EncoderFactory.Create(EncoderKind.Hstu, shape);
        var vocabulary = ItemVocabulary.Build(RawIdType.Int32, Enumerable.Range(1, itemCount).Select(i => RawId.FromNumber(i)));
        var settings = new ServingSettings(ColumnNames.History, ColumnNames.HistoryTimestamps, ColumnNames.Timestamp, k, null);
        var recommender = new NeuralRecommender(EncoderKind.Hstu, shape, module, vocabulary, [.. Enumerable.Range(1, itemCount)], settings,
            new TrainingHistory(0, 0, null, []), CPU);
        return new HstuTransformer(mlContext, recommender);
    }
}
