using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Trainers;
using Microsoft.ML.GenerativeRec.Training;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Interop;

/// <summary>Builds a fitted neural recommender from a reference state dict and its hyper-parameter JSON.</summary>
/// <remarks>
/// The item table is gathered by raw id: our row i is the reference's row of the i-th item id (the JSON's
/// <c>item_ids</c>, or every row 1..V − 1), our row 0 its padding row 0. Tensors of other floating-point types
/// (bfloat16 from <c>main_module_bf16</c>, float64) are converted to float32.
/// </remarks>
internal static class ReferenceModelImporter
{
    private const string DefaultItemIdType = "Int32";     // what the MovieLens loaders produce

    /// <exception cref="FileNotFoundException">The state dict or its JSON is missing.</exception>
    /// <exception cref="InvalidDataException">The files do not agree with each other or with the reference layout; the message names the key or field.</exception>
    /// <exception cref="NotSupportedException">The JSON asks for a variant of the reference this library does not implement.</exception>
    public static NeuralRecommender Import(IHostEnvironment env, EncoderKind kind, string path, ReferenceImportOptions options)
    {
        string configPath = options.HyperParametersPath ?? ReferenceModelExporter.ConfigPathFor(path);
        var config = ReferenceModelConfig.Read(configPath);
        string expectedModel = kind == EncoderKind.Hstu ? ReferenceModelConfig.HstuModel : ReferenceModelConfig.SasRecModel;
        if (config.Model != expectedModel)
        {
            throw new InvalidDataException(
                $"'{configPath}' describes a {config.Model} model, not {expectedModel}; import it with Import{(config.Model == ReferenceModelConfig.HstuModel ? "Hstu" : "SasRec")}FromReference.");
        }

        var itemType = ReferenceItemIds.ParseType(config.ItemIdType ?? DefaultItemIdType)!;
        // The device first: it is the first call into torch, whose static constructor loads the native libraries.
        Device device = TorchRuntimeScope.ResolveDevice(options.Device, env);
        var state = ReferenceStateDictFile.Read(path);
        try
        {
            var mapping = ReferenceStateDictMapping.ForEncoder(kind, config.ToShape(itemRows: 2), config.HasRelativeBias);
            ReferenceStateDictValidator.Validate(mapping, state, expectedModel, path);
            CheckMask(state[ReferenceStateDictMapping.AttentionMaskKey], path);

            string tableKey = mapping.Tensors.Single(t => t.Layout == ReferenceLayout.ItemTable).ReferenceKey;
            long tableRows = state[tableKey].shape[0];
            long[] ids = config.ItemIds ?? [.. Enumerable.Range(1, (int)Math.Min(tableRows - 1, ReferenceItemIds.MaxId)).Select(i => (long)i)];
            if (ids.Length == 0)
                throw new InvalidDataException($"'{configPath}' lists no item ids and '{tableKey}' has {tableRows} row(s); a model needs one item or more.");
            long beyond = ids.FirstOrDefault(id => id >= tableRows);
            if (beyond > 0)
                throw new InvalidDataException($"'{configPath}' lists item id {beyond}, but '{tableKey}' in '{path}' has only {tableRows} rows (ids 0..{tableRows - 1}).");

            var vocabulary = ReferenceItemIds.Vocabulary(itemType, ids, $"'{configPath}'");
            long[] rows = ReferenceItemIds.RowsOf(vocabulary);
            var shape = config.ToShape(vocabulary.Count + 1);
            var module = CreateModule(kind, shape, configPath);
            try
            {
                Load(module, mapping, state, rows, relativeBias: config.HasRelativeBias);
                int[] fallback = FallbackRanking(options, config, vocabulary, configPath);
                var settings = new ServingSettings(options.HistoryColumnName, options.HistoryTimestampsColumnName, options.TimestampColumnName,
                    options.NumberOfRecommendations, options.UserEmbeddingColumnName);
                module.to(device);
                return new NeuralRecommender(kind, shape, module, vocabulary, fallback, settings, new TrainingHistory(0, 0, null, []), device);
            }
            catch
            {
                module.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var tensor in state.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private static nn.Module CreateModule(EncoderKind kind, EncoderShape shape, string configPath)
    {
        try
        {
            return EncoderFactory.Create(kind, shape);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The hyper-parameters in '{configPath}' do not make a valid {kind} encoder: {e.Message}", e);
        }
    }

    // Copies every mapped tensor into the module's parameters, in place, as float32.
    private static void Load(nn.Module module, ReferenceStateDictMapping mapping, IReadOnlyDictionary<string, Tensor> state, long[] rows, bool relativeBias)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = module.state_dict();
        foreach (var entry in mapping.Tensors)
        {
            var source = state[entry.ReferenceKey].to_type(ScalarType.Float32);
            var value = entry.Layout switch
            {
                ReferenceLayout.Same => source,
                ReferenceLayout.TrailingKernel => source.squeeze(-1),                                      // [out, in, 1] → [out, in]
                ReferenceLayout.ItemTable => source.index_select(0, tensor((long[])[0, .. rows], ScalarType.Int64)), // [V, D]
                _ => throw new ArgumentOutOfRangeException(nameof(mapping), entry.Layout, "Unknown layout."),
            };
            parameters[entry.Key].copy_(value);
        }

        if (!relativeBias)
        {
            // A reference HSTU without relative bias adds nothing to its attention scores: zero weights do the same here.
            foreach (var (key, parameter) in parameters.Where(p => p.Key.Contains(".rel_attn_bias.", StringComparison.Ordinal)))
            {
                parameter.zero_();
            }
        }
    }

    private static void CheckMask(Tensor mask, string path)
    {
        using var expected = ReferenceModelExporter.CausalMask(mask.shape[0]);
        using var same = mask.eq(expected).all();
        if (!same.item<bool>())
        {
            throw new InvalidDataException(
                $"'{ReferenceStateDictMapping.AttentionMaskKey}' in '{path}' is not the causal mask triu(ones(N, N), diagonal=1); the file is not a state dict of the reference's model.");
        }
    }

    /// <summary>Item indices for histories with no known item: by count in <see cref="ReferenceImportOptions.PopularityData"/>, else the JSON's list, else id order.</summary>
    private static int[] FallbackRanking(ReferenceImportOptions options, ReferenceModelConfig config, ItemVocabulary vocabulary, string configPath)
    {
        if (options.PopularityData is { } data)
        {
            var names = new SequenceColumnNames(options.HistoryColumnName, options.LabelColumnName, null, null);
            var read = SequenceArenaReader.Read(data, names, vocabulary, useTimestamps: false);
            return NeuralTrainerCore.PopularityRanking(read.Arena, vocabulary.Count);
        }

        if (config.FallbackItemIds is { } ids)
        {
            var byRow = ReferenceItemIds.RowsOf(vocabulary).Select((row, i) => (row, index: i + 1)).ToDictionary(p => p.row, p => p.index);
            return [.. ids.Select(id => byRow.TryGetValue(id, out int index) ? index
                : throw new InvalidDataException($"'{configPath}' lists fallback item id {id}, which is not among its item ids."))];
        }

        return [.. Enumerable.Range(1, vocabulary.Count)];
    }
}
