using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(SasRecTransformer), null, typeof(SignatureLoadModel), "SASRec recommender", SasRecTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(SasRecTransformer), null, typeof(SignatureLoadRowMapper), "SASRec recommender", SasRecTransformer.LoaderSignature)]

namespace Microsoft.ML.GenerativeRec;

/// <summary>A fitted SASRec recommender (hstu-spec.md §4); see <see cref="SequentialRecommenderTransformer"/> for its columns.</summary>
public sealed class SasRecTransformer : SequentialRecommenderTransformer
{
    internal const string LoaderSignature = "GENREC-SASREC";
    private const string ModelSignature = "GRSASREC";

    internal SasRecTransformer(IHostEnvironment env, NeuralRecommender recommender)
        : base(env, nameof(SasRecTransformer), recommender)
    {
    }

    private protected override VersionInfo VersionInfo => GetVersionInfo(ModelSignature, LoaderSignature);

    // The loaders ML.NET finds through the LoadableClass attributes above.
    private static SasRecTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        => new(env, Load(env, ctx, GetVersionInfo(ModelSignature, LoaderSignature), EncoderKind.SasRec));

    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema)
        => Create(env, ctx).MakeRowMapper(inputSchema);
}
