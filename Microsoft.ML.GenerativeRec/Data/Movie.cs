namespace Microsoft.ML.GenerativeRec;

/// <summary>A MovieLens movie: its id, title and genres.</summary>
public sealed class Movie
{
    /// <summary>Creates a movie.</summary>
    /// <param name="id">The MovieLens movie id.</param>
    /// <param name="title">The title, usually followed by the year in parentheses.</param>
    /// <param name="genres">The genres, in file order; copied.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="title"/> or <paramref name="genres"/> is null.
    /// </exception>
    public Movie(int id, string title, IEnumerable<string> genres)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(genres);
        Id = id;
        Title = title;
        Genres = Array.AsReadOnly(genres.ToArray());
    }

    /// <summary>The MovieLens movie id, the same as <see cref="MovieLensRating.MovieId"/>.</summary>
    public int Id { get; }

    /// <summary>The title, usually followed by the year in parentheses, for example "Toy Story (1995)".</summary>
    public string Title { get; }

    /// <summary>The genres in file order, for example "Animation", "Children's", "Comedy"; may be empty.</summary>
    public IReadOnlyList<string> Genres { get; }

    /// <summary>Returns the movie as <c>id::title::genre1|genre2</c>, the ML-1M line format.</summary>
    public override string ToString() => $"{Id}::{Title}::{string.Join('|', Genres)}";
}
