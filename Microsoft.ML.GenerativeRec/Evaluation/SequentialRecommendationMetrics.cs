using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.GenerativeRec;

/// <summary>Full-ranking next-item metrics over a set of rows, each with one relevant item (its label).</summary>
/// <remarks>
/// <para>
/// For a row whose label ranks r among all candidates (1 = best; history items excluded, hstu-spec.md §2):
/// HR@K = 1[r ≤ K]; NDCG@K = 1 / log2(r + 1) when r ≤ K, else 0 (one relevant item, so the ideal DCG is 1);
/// Recall@K equals HR@K because each row has exactly one relevant item; MRR = 1 / r, and 0 for a label that
/// could not be ranked (unknown to the model, or inside the excluded history). Every figure is a mean over rows.
/// </para>
/// <para>Lists are indexed like ML.NET's <c>RankingMetrics</c>: element K − 1 holds the value at K.</para>
/// </remarks>
public sealed class SequentialRecommendationMetrics
{
    private readonly double[] _hitRates;
    private readonly double[] _ndcgs;

    private SequentialRecommendationMetrics(double[] hitRates, double[] ndcgs, double meanReciprocalRank, long evaluatedCount, double? itemCoverage)
    {
        ItemCoverage = itemCoverage;
        _hitRates = hitRates;
        _ndcgs = ndcgs;
        HitRates = new ReadOnlyCollection<double>(hitRates);
        NormalizedDiscountedCumulativeGains = new ReadOnlyCollection<double>(ndcgs);
        MeanReciprocalRank = meanReciprocalRank;
        EvaluatedCount = evaluatedCount;
    }

    /// <summary>Hit rate at K = 1..<see cref="MaximumK"/>: element K − 1 is the share of rows whose label ranks in the top K.</summary>
    public IReadOnlyList<double> HitRates { get; }

    /// <summary>Recall at K = 1..<see cref="MaximumK"/>; equal to <see cref="HitRates"/>, since each row has one relevant item.</summary>
    public IReadOnlyList<double> Recalls => HitRates;

    /// <summary>NDCG at K = 1..<see cref="MaximumK"/>: element K − 1 is the mean of 1 / log2(rank + 1) over rows ranked in the top K.</summary>
    public IReadOnlyList<double> NormalizedDiscountedCumulativeGains { get; }

    /// <summary>The mean of 1 / rank over all rows (0 for a label that could not be ranked).</summary>
    public double MeanReciprocalRank { get; }

    /// <summary>The number of rows evaluated.</summary>
    public long EvaluatedCount { get; }

    /// <summary>
    /// The share of the model's items that appear in at least one row's top-K recommendations (K = the model's
    /// <c>NumberOfRecommendations</c>): how much of the catalogue the model ever shows.
    /// </summary>
    /// <value>In [0, 1]; null when the metrics were computed from already scored rows, where the catalogue is unknown.</value>
    public double? ItemCoverage { get; }

    /// <summary>The largest K the lists cover.</summary>
    public int MaximumK => _hitRates.Length;

    /// <summary>Hit rate at <paramref name="k"/>.</summary>
    /// <param name="k">The 1-based cut-off, at most <see cref="MaximumK"/>.</param>
    /// <returns>The share of rows whose label ranks in the top <paramref name="k"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is outside 1..<see cref="MaximumK"/>.</exception>
    public double HitRate(int k) => _hitRates[CheckK(k) - 1];

    /// <summary>Recall at <paramref name="k"/>, equal to <see cref="HitRate"/> for single-label rows.</summary>
    /// <param name="k">The 1-based cut-off, at most <see cref="MaximumK"/>.</param>
    /// <returns>The recall.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is outside 1..<see cref="MaximumK"/>.</exception>
    public double Recall(int k) => HitRate(k);

    /// <summary>NDCG at <paramref name="k"/>.</summary>
    /// <param name="k">The 1-based cut-off, at most <see cref="MaximumK"/>.</param>
    /// <returns>The mean NDCG@k.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is outside 1..<see cref="MaximumK"/>.</exception>
    public double Ndcg(int k) => _ndcgs[CheckK(k) - 1];

    /// <summary>Builds the metrics from the label rank of each row.</summary>
    /// <param name="ranks">1-based ranks; 0 or negative marks a label that could not be ranked (a miss at every K).</param>
    /// <param name="maxK">The largest cut-off to compute.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxK"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="ranks"/> is empty: metrics over no rows are undefined.</exception>
    public static SequentialRecommendationMetrics FromRanks(IReadOnlyCollection<long> ranks, int maxK) => FromRanks(ranks, maxK, itemCoverage: null);

    internal static SequentialRecommendationMetrics FromRanks(IReadOnlyCollection<long> ranks, int maxK, double? itemCoverage)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxK);
        if (ranks.Count == 0)
        {
            throw new ArgumentException("There are no rows to evaluate; metrics over no rows are undefined.", nameof(ranks));
        }

        // Count hits per exact rank, then accumulate: O(rows + maxK).
        var hitsAt = new double[maxK + 1];
        var gainAt = new double[maxK + 1];
        double reciprocal = 0;
        foreach (long rank in ranks)
        {
            if (rank <= 0)
            {
                continue;
            }

            reciprocal += 1.0 / rank;
            if (rank <= maxK)
            {
                hitsAt[rank]++;
                gainAt[rank] += 1 / Math.Log2(rank + 1);
            }
        }

        var hitRates = new double[maxK];
        var ndcgs = new double[maxK];
        double hits = 0, gain = 0;
        for (int k = 1; k <= maxK; k++)
        {
            hits += hitsAt[k];
            gain += gainAt[k];
            hitRates[k - 1] = hits / ranks.Count;
            ndcgs[k - 1] = gain / ranks.Count;
        }

        return new SequentialRecommendationMetrics(hitRates, ndcgs, reciprocal / ranks.Count, ranks.Count, itemCoverage);
    }

    /// <summary>The figures at K = 1, 5, 10, 50, 100, 200 (those within <see cref="MaximumK"/>), and MRR.</summary>
    /// <returns>A multi-line summary.</returns>
    public override string ToString()
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"Evaluated rows: {EvaluatedCount}, MRR: {MeanReciprocalRank:F4}");
        if (ItemCoverage is { } coverage)
        {
            text.Append(CultureInfo.InvariantCulture, $", item coverage: {coverage:P1}");
        }
        foreach (int k in new[] { 1, 5, 10, 50, 100, 200 }.Where(k => k <= MaximumK))
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  @{k,-4} HR {HitRate(k):F4}   NDCG {Ndcg(k):F4}");
        }

        return text.ToString();
    }

    private int CheckK(int k)
    {
        if (k < 1 || k > MaximumK)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"Expected a cut-off in 1..{MaximumK}, the range these metrics were computed for.");
        }

        return k;
    }
}
