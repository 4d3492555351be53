using System.Collections.ObjectModel;

namespace Microsoft.ML.GenerativeRec;

/// <summary>How a model was trained: every epoch's loss, speed and validation metrics, and which epoch was kept.</summary>
public sealed class TrainingHistory
{
    internal TrainingHistory(int bestEpoch, double? bestValidationNdcgAt10, IReadOnlyList<EpochSummary> epochs)
    {
        BestEpoch = bestEpoch;
        BestValidationNdcgAt10 = bestValidationNdcgAt10;
        Epochs = new ReadOnlyCollection<EpochSummary>([.. epochs]);
    }

    /// <summary>The number of epochs trained, including those of an earlier run resumed from a checkpoint.</summary>
    public int EpochsRun => Epochs.Count;

    /// <summary>The epoch whose weights the model has: the best validation epoch, or the last one without validation.</summary>
    public int BestEpoch { get; }

    /// <summary>The validation NDCG@10 of <see cref="BestEpoch"/>, or null without validation data.</summary>
    public double? BestValidationNdcgAt10 { get; }

    /// <summary>One summary per epoch, in order.</summary>
    public IReadOnlyList<EpochSummary> Epochs { get; }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(BestEpoch);
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

    internal static TrainingHistory Read(BinaryReader reader)
    {
        int bestEpoch = reader.ReadInt32();
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

        return new TrainingHistory(bestEpoch, NullIfNaN(best), epochs);
    }

    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;
}
