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

    internal HstuTransformer(IHostEnvironment env, NeuralRecommender recommender)
        : base(env, nameof(HstuTransformer), recommender)
    {
    }

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "GRHSTU  ",
        verWrittenCur: 0x00010003,                       // 2: checksummed payload and weights (NeuralRecommender); 3: TrainingHistory.KeptEpoch
        verReadableCur: 0x00010003,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(HstuTransformer).Assembly.FullName);

    private protected override VersionInfo VersionInfo => GetVersionInfo();

    private static HstuTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        return new HstuTransformer(env, NeuralRecommenderFormat.Load(ctx, EncoderKind.Hstu, ComputeDevice.Auto, env));
    }

    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema)
        => Create(env, ctx).MakeRowMapper(inputSchema);
}
