namespace Microsoft.ML.GenerativeRec;

/// <summary>The MovieLens archives that <see cref="MovieLensDownloader"/> can fetch from GroupLens.</summary>
public enum MovieLensDataset
{
    /// <summary>MovieLens 1M: 1,000,209 whole-star ratings of 3,706 movies by 6,040 users.</summary>
    ML1M,

    /// <summary>MovieLens 20M: 20,000,263 half-star ratings by 138,493 users.</summary>
    ML20M,
}
