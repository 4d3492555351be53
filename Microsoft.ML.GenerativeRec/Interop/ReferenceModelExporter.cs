using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Interop;

/// <summary>Writes a fitted neural recommender as a reference state dict (<c>.pt</c>) and its hyper-parameter JSON.</summary>
/// <remarks>
/// The item table is scattered by raw id into a table of max id + 1 rows: row 0 is our padding row, rows of ids the
/// model does not know are 0. An HSTU trained without timestamps has a positional-only bias; the reference has no such
/// mode, so its <c>ts_w</c> is written as zeros and the reference must then be fed constant timestamps (docs/scale.md).
/// </remarks>
internal static class ReferenceModelExporter
{
    /// <summary>The file extension of the hyper-parameter file beside a state dict.</summary>
    public const string ConfigExtension = ".json";

    /// <summary>The hyper-parameter file that belongs to the state dict at <paramref name="stateDictPath"/>.</summary>
    public static string ConfigPathFor(string stateDictPath) => Path.ChangeExtension(stateDictPath, ConfigExtension);

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> and <see cref="ConfigPathFor"/>.</summary>
    /// <exception cref="NotSupportedException">An item id is not an integer (nothing is written).</exception>
    public static void Export(NeuralRecommender model, string path)
    {
        long[] rows = ReferenceItemIds.RowsOf(model.Vocabulary);           // fails on non-integer ids before anything is written
        var mapping = ReferenceStateDictMapping.ForEncoder(model.Kind, model.Shape);
        var config = ReferenceModelConfig.FromShape(model.Kind, model.Shape);
        config.ItemIdType = ReferenceItemIds.TypeName(model.Vocabulary.Type);
        config.ItemIds = [.. rows.Order()];
        config.FallbackItemIds = [.. model.FallbackRanking.Select(index => rows[index - 1])];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ours = model.Module.state_dict();
        CheckCovered(mapping, ours.Keys);
        bool zeroTimeWeights = model.Kind == EncoderKind.Hstu && !model.Shape.UseTimeBias;
        var entries = new List<KeyValuePair<string, Tensor>>
        {
            new(ReferenceStateDictMapping.AttentionMaskKey, CausalMask(mapping.PaddedLength)),
        };
        foreach (var tensor in mapping.Tensors)
        {
            Tensor value = ours[tensor.Key].detach().cpu();
            if (zeroTimeWeights && tensor.Key.EndsWith(".ts_w", StringComparison.Ordinal))
            {
                value = zeros_like(value);
            }

            entries.Add(new(tensor.ReferenceKey, ToReference(tensor.Layout, value, rows).contiguous()));
        }

        ReferenceStateDictFile.Write(path, entries);
        config.Write(ConfigPathFor(path));
    }

    /// <summary>The reference's <c>_attn_mask</c>: <c>triu(ones(N, N, bool), diagonal=1)</c>.</summary>
    public static Tensor CausalMask(long paddedLength) => ones(paddedLength, paddedLength, ScalarType.Bool).triu(1);

    private static Tensor ToReference(ReferenceLayout layout, Tensor value, long[] rows) => layout switch
    {
        ReferenceLayout.Same => value,
        ReferenceLayout.TrailingKernel => value.unsqueeze(-1),                                  // [out, in] → [out, in, 1]
        ReferenceLayout.ItemTable => ScatterByRawId(value, rows),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown layout."),
    };

    // ours: [V, D], row i = vocabulary index i → reference: [max id + 1, D], row id; row 0 stays padding.
    private static Tensor ScatterByRawId(Tensor table, long[] rows)
    {
        long referenceRows = (rows.Length == 0 ? 0 : rows.Max()) + 1;
        var target = tensor((long[])[0, .. rows], ScalarType.Int64);                              // [V] int64
        return zeros(referenceRows, table.shape[1], table.dtype).index_copy_(0, target, table);     // [max id + 1, D]
    }

    private static void CheckCovered(ReferenceStateDictMapping mapping, IEnumerable<string> keys)
    {
        var mapped = mapping.Tensors.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var unmapped = keys.Where(k => !mapped.Contains(k)).ToList();
        if (unmapped.Count > 0)
        {
            throw new InvalidOperationException(
                $"The encoder has tensors the reference mapping does not cover: {string.Join(", ", unmapped)}. ReferenceStateDictMapping must list every key.");
        }
    }
}
