namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>A serving row with integer ids and times.</summary>
public sealed class TimedRow
{
    [VectorType]
    public int[] History { get; set; } = [];

    [VectorType]
    public long[] HistoryTimestamps { get; set; } = [];

    public long Timestamp { get; set; }
}

/// <summary>A training or serving row with text ids.</summary>
public sealed class TextTrainingRow
{
    [VectorType]
    public string[] History { get; set; } = [];

    public string Label { get; set; } = "";
}

/// <summary>Histories for comparing an exported model with the TorchSharp one, and the comparison itself.</summary>
internal static class OnnxFixtures
{
    /// <summary>The max length of <see cref="SyntheticSequences"/>' options.</summary>
    public const int MaxSequenceLength = 10;

    /// <summary>An id no synthetic model knows: skipped in a history, and the padding of a batch.</summary>
    public const int UnknownItem = 999;

    /// <summary>
    /// Histories shorter than, as long as and longer than <see cref="MaxSequenceLength"/>, one with unknown ids inside, and
    /// one where the unknown ids make a long history fit: lengths 1, 4, 10, 15, 13 with 3 unknown.
    /// </summary>
    public static TimedRow[] Histories() =>
    [
        Row(start: 3, length: 1),
        Row(start: 7, length: 4),
        Row(start: 1, length: MaxSequenceLength),
        Row(start: 12, length: 15),
        Row(start: 5, length: 13, unknownAt: [0, 6, 12]),
    ];

    /// <summary>A history of the synthetic walk (item i is followed by i + 1) with irregular gaps, and a request time after it.</summary>
    public static TimedRow Row(int start, int length, int[]? unknownAt = null)
    {
        var items = Enumerable.Range(0, length).Select(k => ((start + k) % SyntheticSequences.ItemCount) + 1).ToArray();
        foreach (int position in unknownAt ?? [])
        {
            items[position] = UnknownItem;
        }

        var times = Enumerable.Range(0, length).Select(k => 1_000_000L + (37L * k * k * k) + (600L * k)).ToArray();
        return new TimedRow { History = items, HistoryTimestamps = times, Timestamp = (times.Length == 0 ? 1_000_000L : times[^1]) + 777 };
    }

    /// <summary>The rows of a synthetic split with item i written as the text id "movie-i".</summary>
    public static IDataView ToText(MLContext mlContext, IDataView split)
    {
        var histories = split.GetColumn<int[]>(ColumnNames.History).ToArray();
        var labels = split.GetColumn<int>(ColumnNames.Label).ToArray();
        return mlContext.Data.LoadFromEnumerable(histories.Select((h, i) => new TextTrainingRow { History = [.. h.Select(TextId)], Label = TextId(labels[i]) }));
    }

    /// <summary>The text id of synthetic item <paramref name="item"/>.</summary>
    public static string TextId(int item) => $"movie-{item}";

    /// <summary>The TorchSharp model's recommendations for <paramref name="rows"/>.</summary>
    public static (int[][] Items, float[][] Scores) Recommend(MLContext mlContext, ITransformer model, IEnumerable<TimedRow> rows)
    {
        var scored = model.Transform(mlContext.Data.LoadFromEnumerable(rows));
        return (scored.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray(), scored.GetColumn<float[]>(ColumnNames.Scores).ToArray());
    }

    /// <summary>Asserts equal scores within 1e-5 and equal item lists, ties aside (items of equal score may swap).</summary>
    /// <returns>The largest |score difference| seen.</returns>
    public static double AssertSameRecommendations<T>(T[][] expectedItems, float[][] expectedScores, T[][] actualItems, float[][] actualScores)
    {
        Assert.HasCount(expectedItems.Length, actualItems, "rows");
        double largest = 0;
        for (int r = 0; r < expectedItems.Length; r++)
        {
            Assert.HasCount(expectedScores[r].Length, actualScores[r], $"row {r}: list length");
            for (int j = 0; j < expectedScores[r].Length; j++)
            {
                double difference = Math.Abs(expectedScores[r][j] - actualScores[r][j]);
                largest = Math.Max(largest, difference);
                Assert.IsLessThanOrEqualTo(1e-5, difference, $"row {r}, position {j}: {expectedScores[r][j]} vs {actualScores[r][j]}");
            }

            // Positions whose expected scores tie form one group; within it any order is right.
            int start = 0;
            for (int j = 1; j <= expectedScores[r].Length; j++)
            {
                if (j < expectedScores[r].Length && Math.Abs(expectedScores[r][j] - expectedScores[r][j - 1]) < 1e-6)
                {
                    continue;
                }

                CollectionAssert.AreEquivalent(expectedItems[r][start..j], actualItems[r][start..j],
                    $"row {r}, positions {start}..{j - 1}: [{string.Join(", ", expectedItems[r])}] vs [{string.Join(", ", actualItems[r])}]");
                start = j;
            }
        }

        return largest;
    }
}
