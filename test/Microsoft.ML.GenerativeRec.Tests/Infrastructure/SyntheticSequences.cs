namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Small learnable sequences: every user walks the 20 items in a cycle, so the next item is always current + 1.</summary>
internal static class SyntheticSequences
{
    public const int ItemCount = 20;

    public static IDataView Interactions(MLContext mlContext, int users = 60, int length = 12)
    {
        var rows = new List<Interaction>();
        for (int u = 1; u <= users; u++)
        {
            for (int k = 0; k < length; k++)
            {
                rows.Add(new Interaction { UserId = u, ItemId = (u + k) % ItemCount + 1, Timestamp = 1_000_000 + (u * 1000) + (k * 60L * (1 + (u % 3))) });
            }
        }

        return mlContext.Data.LoadFromEnumerable(rows);
    }

    public static SequenceSplit Split(MLContext mlContext, bool withTimestamps, int users = 60, int length = 12)
    {
        var sequences = mlContext.Recommendation().Data.ToSequences(Interactions(mlContext, users, length), "UserId", "ItemId",
            withTimestamps ? "Timestamp" : null);
        return mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);
    }

    /// <summary>Small, fast options: every test that trains starts from these.</summary>
    public static HstuTrainer.Options HstuOptions(int epochs = 2) => new()
    {
        EmbeddingDimension = 8, NumberOfBlocks = 1, MaxSequenceLength = 10,
        NumberOfEpochs = epochs, BatchSize = 16, NumberOfNegatives = 8, Seed = 3, NumberOfThreads = 1, NumberOfRecommendations = 5,
    };

    public static SasRecTrainer.Options SasRecOptions(int epochs = 2) => new()
    {
        EmbeddingDimension = 8, FeedForwardDimension = 8, NumberOfBlocks = 1, MaxSequenceLength = 10,
        NumberOfEpochs = epochs, BatchSize = 16, NumberOfNegatives = 8, Seed = 3, NumberOfThreads = 1, NumberOfRecommendations = 5,
    };
}

/// <summary>An <see cref="IProgress{T}"/> that runs its handler synchronously on the reporting thread.</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
