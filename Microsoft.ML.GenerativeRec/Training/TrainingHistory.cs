using System.Collections.ObjectModel;

namespace Microsoft.ML.GenerativeRec;

/// <summary>How a model was trained: every epoch's loss, speed and validation metrics, and which epoch was kept.</summary>
public sealed class TrainingHistory
{
    // Format 1 (no marker) began with BestEpoch, which is never negative; format 2 begins with -2 and adds KeptEpoch.
    private const int FormatVersion = 2;

    internal TrainingHistory(int bestEpoch, int keptEpoch, double? bestValidationNdcgAt10, IReadOnlyList<EpochSummary> epochs)
    {
        BestEpoch = bestEpoch;
        KeptEpoch = keptEpoch;
        BestValidationNdcgAt10 = bestValidationNdcgAt10;
        Epochs = new ReadOnlyCollection<EpochSummary>([.. epochs]);
    }

    /// <summary>The number of epochs trained, including those of an earlier run resumed from a checkpoint.</summary>
    public int EpochsRun => Epochs.Count;

    /// <summary>The epoch with the best validation NDCG@10, or the last epoch without validation data.</summary>
    /// <remarks>
    /// The model holds this epoch's weights unless <see cref="SequentialRecommenderTrainerOptions.RestoreBestWeights"/>
    /// was false; <see cref="KeptEpoch"/> always names the epoch whose weights it holds.
    /// </remarks>
    public int BestEpoch { get; }

    /// <summary>The epoch whose weights the model holds.</summary>
    /// <value>
    /// <see cref="BestEpoch"/>, except with validation data and
    /// <see cref="SequentialRecommenderTrainerOptions.RestoreBestWeights"/> false: then the last epoch trained. A model
    /// saved before this property existed reports <see cref="BestEpoch"/>.
    /// </value>
    public int KeptEpoch { get; }

    /// <summary>The validation NDCG@10 of <see cref="BestEpoch"/>, or null without validation data.</summary>
    public double? BestValidationNdcgAt10 { get; }

    /// <summary>One summary per epoch, in order.</summary>
    public IReadOnlyList<EpochSummary> Epochs { get; }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(-FormatVersion);
        writer.Write(BestEpoch);
        writer.Write(KeptEpoch);
        writer.Write(BestValidationNdcgAt10 ?? double.NaN);
        writer.Write(Epochs.Count);
        foreach (var epoch in Epochs)
        {
            writer.Write(epoch.Epoch);
            writer.Write(epoch.Loss);
            writer.Write(epoch.Seconds);
            writer.Write(epoch.TokensPerSecond);
            writer.Write(epoch.ValidationNdcgAt10 ?? double.NaN);
            writer.Write(epoch.ValidationHitRateAt10 ?? double.NaN);
        }
    }

    /// <summary>Reads format 2 or format 1 (model zips and checkpoints written before <see cref="KeptEpoch"/>).</summary>
    internal static TrainingHistory Read(BinaryReader reader)
    {
        int first = reader.ReadInt32();
        int bestEpoch, keptEpoch;
        if (first >= 0)
        {
            bestEpoch = keptEpoch = first;                               // format 1: it did not record the kept epoch
        }
        else if (first == -FormatVersion)
        {
            bestEpoch = reader.ReadInt32();
            keptEpoch = reader.ReadInt32();
        }
        else
        {
            throw new InvalidDataException($"The saved training history claims format {-first}; this version reads formats 1 and {FormatVersion}.");
        }

        double best = reader.ReadDouble();
        int count = reader.ReadInt32();
        if (count < 0)
        {
            throw new InvalidDataException($"The saved training history claims {count} epochs.");
        }

        var epochs = new EpochSummary[count];
        for (int i = 0; i < count; i++)
        {
            int epoch = reader.ReadInt32();
            double loss = reader.ReadDouble(), seconds = reader.ReadDouble(), tokens = reader.ReadDouble();
            double ndcg = reader.ReadDouble(), hitRate = reader.ReadDouble();
            epochs[i] = new EpochSummary(epoch, loss, seconds, tokens, NullIfNaN(ndcg), NullIfNaN(hitRate));
        }

        return new TrainingHistory(bestEpoch, keptEpoch, NullIfNaN(best), epochs);
    }

    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;
}
