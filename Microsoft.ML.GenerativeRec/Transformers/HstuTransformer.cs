using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(HstuTransformer), null, typeof(SignatureLoadModel), "HSTU recommender", HstuTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(HstuTransformer), null, typeof(SignatureLoadRowMapper), "HSTU recommender", HstuTransformer.LoaderSignature)]

namespace Microsoft.ML.GenerativeRec;

/// <summary>A fitted HSTU recommender (hstu-spec.md §3); see <see cref="SequentialRecommenderTransformer"/> for its columns.</summary>
public sealed class HstuTransformer : SequentialRecommenderTransformer
{
    internal const string LoaderSignature = "GENREC-HSTU";
    private const string ModelSignature = "GRHSTU  ";

    internal HstuTransformer(IHostEnvironment env, NeuralRecommender recommender)
        : base(env, nameof(HstuTransformer), recommender)
    {
    }

    private protected override VersionInfo VersionInfo => GetVersionInfo(ModelSignature, LoaderSignature);

    // The loaders ML.NET finds through the LoadableClass attributes above.
    private static HstuTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
        => new(env, Load(env, ctx, GetVersionInfo(ModelSignature, LoaderSignature), EncoderKind.Hstu));

    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema)
        => Create(env, ctx).MakeRowMapper(inputSchema);
}
