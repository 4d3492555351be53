namespace Microsoft.ML.GenerativeRec;

/// <summary>One MovieLens rating: a user rated a movie at a point in time.</summary>
/// <remarks>
/// The row type of <see cref="MovieLens.LoadRatings"/> and <see cref="MovieLens.ReadRatings"/>. Its properties become
/// the columns <c>UserId</c> (<see cref="int"/>), <c>MovieId</c> (<see cref="int"/>), <c>Rating</c>
/// (<see cref="float"/>) and <c>Timestamp</c> (<see cref="long"/>) of the loaded <see cref="IDataView"/>.
/// </remarks>
public sealed class MovieLensRating
{
    /// <summary>The MovieLens user id, as in the file.</summary>
    public int UserId { get; set; }

    /// <summary>The MovieLens movie id, as in the file and in <see cref="Movie.Id"/>.</summary>
    public int MovieId { get; set; }

    /// <summary>The rating: whole stars 1 to 5 in ML-1M, half stars 0.5 to 5 in ML-10M, ML-20M and ML-25M.</summary>
    public float Rating { get; set; }

    /// <summary>When the rating was made, in seconds since 1970-01-01 UTC.</summary>
    public long Timestamp { get; set; }
}
