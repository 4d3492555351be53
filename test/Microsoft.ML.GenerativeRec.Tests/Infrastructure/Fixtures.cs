using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>A row of interactions with integer ids.</summary>
public sealed class Interaction
{
    public int UserId { get; set; }

    public int ItemId { get; set; }

    public long Timestamp { get; set; }
}

/// <summary>A row of interactions with text ids.</summary>
public sealed class TextInteraction
{
    public string UserId { get; set; } = "";

    public string ItemId { get; set; } = "";

    public double Timestamp { get; set; }
}

/// <summary>A sequence row with integer ids.</summary>
public sealed class IntSequence
{
    public int UserId { get; set; }

    [VectorType]
    public int[] History { get; set; } = [];
}

/// <summary>A training row with integer ids.</summary>
public sealed class IntTrainingRow
{
    [VectorType]
    public int[] History { get; set; } = [];

    public int Label { get; set; }
}

/// <summary>A serving row with integer ids.</summary>
public sealed class IntHistory
{
    [VectorType]
    public int[] History { get; set; } = [];
}

/// <summary>Recommendations with integer ids.</summary>
public sealed class IntRecommendations
{
    [VectorType]
    public int[] PredictedItems { get; set; } = [];

    [VectorType]
    public float[] Scores { get; set; } = [];
}

/// <summary>What a saved epoch summary keeps, as a value: <see cref="EpochSummary"/> is a class with reference equality.</summary>
internal static class EpochFigures
{
    public static (int Epoch, double Loss, double Seconds, double TokensPerSecond, double? Ndcg, double? HitRate) Of(EpochSummary epoch)
        => (epoch.Epoch, epoch.Loss, epoch.Seconds, epoch.TokensPerSecond, epoch.ValidationNdcgAt10, epoch.ValidationHitRateAt10);

    public static List<(int, double, double, double, double?, double?)> Of(IEnumerable<EpochSummary> epochs) => [.. epochs.Select(e => Of(e))];
}
