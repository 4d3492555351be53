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

    internal SasRecTransformer(IHostEnvironment env, NeuralRecommender recommender)
        : base(env, nameof(SasRecTransformer), recommender)
    {
    }

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "GRSASREC",
        verWrittenCur: 0x00010003,                       // 2: checksummed payload and weights (NeuralRecommender); 3: TrainingHistory.KeptEpoch
        verReadableCur: 0x00010003,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(SasRecTransformer).Assembly.FullName);

    private protected override VersionInfo VersionInfo => GetVersionInfo();

    private static SasRecTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new SasRecTransformer(env, NeuralRecommenderFormat.Load(ctx, EncoderKind.SasRec, ComputeDevice.Auto, env));
    }

    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema)
        => Create(env, ctx).MakeRowMapper(inputSchema);
}
