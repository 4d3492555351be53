namespace Microsoft.ML.GenerativeRec;

/// <summary>Entry points of the generative recommendation catalog on <see cref="MLContext"/>.</summary>
public static class GenerativeRecommendationMLContextExtensions
{
    /// <summary>The sequential recommendation catalog: data preparation, trainers and evaluation.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <returns>The catalog for <paramref name="mlContext"/>.</returns>
    /// <remarks>
    /// A project that also references Microsoft.ML.Recommender gets an ambiguous call here (CS0121), because that
    /// package has a <c>Recommendation()</c> of its own; call <see cref="GenerativeRecommendation(MLContext)"/> instead.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="mlContext"/> is null.</exception>
    public static SequentialRecommendationCatalog Recommendation(this MLContext mlContext) => new(mlContext);

    /// <summary>The same catalog as <see cref="Recommendation(MLContext)"/>, under a name no other package uses.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <returns>The catalog for <paramref name="mlContext"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mlContext"/> is null.</exception>
    public static SequentialRecommendationCatalog GenerativeRecommendation(this MLContext mlContext) => new(mlContext);
}
