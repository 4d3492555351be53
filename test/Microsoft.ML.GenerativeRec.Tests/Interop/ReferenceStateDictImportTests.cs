using System.Collections;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Interop;

/// <summary>
/// Imports of state dicts laid out as the reference's PyTorch code writes them, built here key by key with
/// TorchSharp.PyBridge rather than by our exporter: an independent check of the mapping.
/// </summary>
[TestClass]
public sealed class ReferenceStateDictImportTests
{
    // Items are the raw ids 3, 6, ..., 60: the reference's table has 61 rows, row 0 padding and 40 rows of ids never seen.
    private const int IdStep = 3;
    private const int TableRows = (SyntheticSequences.ItemCount * IdStep) + 1;
    private const long PaddedLength = 10 + 11;           // MaxSequenceLength 10 + max_output_len 11
    private const int K = 5;

    [TestMethod]
    public void Import_SasRecStateDictBuiltKeyByKey_ScoresLikeTheModelItsWeightsCameFrom()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SparseIdSplit(mlContext, withTimestamps: false);
        using var source = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var ours = source.Recommender.Module.state_dict();
        using var folder = new TempFolder();
        string path = folder.File("sasrec.pt");
        var state = new Dictionary<string, Tensor>
        {
            ["_attn_mask"] = ones(PaddedLength, PaddedLength, ScalarType.Bool).triu(1),
            ["_embedding_module._item_emb.weight"] = RawIdTable(source, ours["input.item_emb"]),
            ["_input_features_preproc._pos_emb.weight"] = ours["input.pos_emb"],
            ["attention_layers.0.in_proj_weight"] = ours["blocks.0.in_proj_weight"],
            ["attention_layers.0.in_proj_bias"] = ours["blocks.0.in_proj_bias"],
            ["attention_layers.0.out_proj.weight"] = ours["blocks.0.out_proj.weight"],
            ["attention_layers.0.out_proj.bias"] = ours["blocks.0.out_proj.bias"],
            ["forward_layers.0._conv1d.0.weight"] = ours["blocks.0.conv1.weight"].unsqueeze(2),     // Conv1d weight [out, in, kernel 1]
            ["forward_layers.0._conv1d.0.bias"] = ours["blocks.0.conv1.bias"],
            ["forward_layers.0._conv1d.3.weight"] = ours["blocks.0.conv2.weight"].unsqueeze(2),
            ["forward_layers.0._conv1d.3.bias"] = ours["blocks.0.conv2.bias"],
        };
        StateDictFiles.Write(path, state);
        WriteJson(path, """
            {"model": "SASRec", "max_sequence_len": 10, "max_output_len": 11, "embedding_dim": 8, "num_blocks": 1, "num_heads": 1,
             "ffn_hidden_dim": 8, "ffn_activation_fn": "relu", "ffn_dropout_rate": 0.2, "dropout_rate": 0.2, "item_ids": [ITEM_IDS]}
            """);

        using var imported = mlContext.Recommendation().Model.ImportSasRecFromReference(path, new ReferenceImportOptions { NumberOfRecommendations = K });

        Assert.AreEqual(SyntheticSequences.ItemCount, imported.ItemCount);
        AssertSameRecommendations(source, imported, split.Test);
    }

    [TestMethod]
    public void Import_HstuTrainingCheckpointWithDistributedPrefix_ScoresLikeTheModelItsWeightsCameFrom()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SparseIdSplit(mlContext, withTimestamps: true);
        using var source = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("checkpoint_ep100");
        StateDictFiles.Write(path, HstuCheckpoint(source));
        WriteJson(path, """
            {"model": "HSTU", "max_sequence_len": 10, "max_output_len": 11, "embedding_dim": 8, "num_blocks": 1, "num_heads": 1,
             "attention_dim": 8, "linear_dim": 8, "item_ids": [ITEM_IDS]}
            """);

        using var imported = mlContext.Recommendation().Model.ImportHstuFromReference(path,
            new ReferenceImportOptions { HyperParametersPath = path + ".json", NumberOfRecommendations = K });

        Assert.IsTrue(imported.UsesTimestamps, "uses_timestamps defaults to true, as every reference configuration feeds timestamps");
        AssertSameRecommendations(source, imported, split.Test);
    }

    [TestMethod]
    public void Import_WithoutItemIds_KnowsEveryRowOfTheTableButPadding()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SparseIdSplit(mlContext, withTimestamps: true);
        using var source = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("checkpoint_ep100");
        StateDictFiles.Write(path, HstuCheckpoint(source));
        WriteJson(path, """
            {"model": "HSTU", "max_sequence_len": 10, "max_output_len": 11, "embedding_dim": 8, "num_blocks": 1, "num_heads": 1,
             "attention_dim": 8, "linear_dim": 8}
            """);

        using var imported = mlContext.Recommendation().Model.ImportHstuFromReference(path, new ReferenceImportOptions { HyperParametersPath = path + ".json" });

        Assert.AreEqual(TableRows - 1, imported.ItemCount);
    }

    // {"epoch", "model_state_dict", "optimizer_state_dict"} as train.py saves it, keys prefixed by DistributedDataParallel.
    private static Dictionary<string, object> HstuCheckpoint(HstuTransformer source)
    {
        var ours = source.Recommender.Module.state_dict();
        var model = new Dictionary<string, Tensor>
        {
            ["_attn_mask"] = ones(PaddedLength, PaddedLength, ScalarType.Bool).triu(1),
            ["_embedding_module._item_emb.weight"] = RawIdTable(source, ours["input.item_emb"]),
            ["_input_features_preproc._pos_emb.weight"] = ours["input.pos_emb"],
            ["_hstu._attention_layers.0._uvqk"] = ours["blocks.0.uvqk"],
            ["_hstu._attention_layers.0._rel_attn_bias._ts_w"] = ours["blocks.0.rel_attn_bias.ts_w"],
            ["_hstu._attention_layers.0._rel_attn_bias._pos_w"] = ours["blocks.0.rel_attn_bias.pos_w"],
            ["_hstu._attention_layers.0._o.weight"] = ours["blocks.0.o.weight"],
            ["_hstu._attention_layers.0._o.bias"] = ours["blocks.0.o.bias"],
        };
        return new Dictionary<string, object>
        {
            ["epoch"] = 100,
            ["model_state_dict"] = model.ToDictionary(p => "module." + p.Key, p => (object)p.Value),
            ["optimizer_state_dict"] = new Dictionary<string, object>
            {
                ["state"] = new Dictionary<object, object>(),
                ["param_groups"] = new ArrayList { new Dictionary<string, object> { ["lr"] = 0.001, ["params"] = new ArrayList { 0, 1, 2 } } },
            },
        };
    }

    // The reference's nn.Embedding(max_item_id + 1, D): random rows (as PyTorch initialises them) for ids never seen,
    // each known item at the row of its raw id, and our padding row at row 0.
    private static Tensor RawIdTable(SequentialRecommenderTransformer source, Tensor ours)
    {
        var table = randn(TableRows, ours.shape[1]) * 0.02;
        table[0] = ours[0];
        var vocabulary = source.Recommender.Vocabulary;
        for (int index = 1; index <= vocabulary.Count; index++)
        {
            table[vocabulary.IdAt(index).Number] = ours[index];
        }

        return table;
    }

    private static SequenceSplit SparseIdSplit(MLContext mlContext, bool withTimestamps)
    {
        var rows = mlContext.Data.CreateEnumerable<Interaction>(SyntheticSequences.Interactions(mlContext), reuseRowObject: false)
            .Select(r => new Interaction { UserId = r.UserId, ItemId = r.ItemId * IdStep, Timestamp = r.Timestamp });
        var sequences = mlContext.Recommendation().Data.ToSequences(mlContext.Data.LoadFromEnumerable(rows), "UserId", "ItemId",
            withTimestamps ? "Timestamp" : null);
        return mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);
    }

    private static void WriteJson(string statePath, string json)
    {
        string ids = string.Join(", ", Enumerable.Range(1, SyntheticSequences.ItemCount).Select(i => i * IdStep));
        string target = Path.GetExtension(statePath) == ".pt" ? Path.ChangeExtension(statePath, ".json") : statePath + ".json";
        File.WriteAllText(target, json.Replace("ITEM_IDS", ids, StringComparison.Ordinal));
    }

    private static void AssertSameRecommendations(ITransformer expected, ITransformer actual, IDataView data)
    {
        var expectedView = expected.Transform(data);
        var actualView = actual.Transform(data);
        var expectedItems = expectedView.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var actualItems = actualView.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = expectedView.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        var actualScores = actualView.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        for (int i = 0; i < expectedItems.Length; i++)
        {
            CollectionAssert.AreEqual(expectedItems[i], actualItems[i], $"row {i}");
            CollectionAssert.AreEqual(expectedScores[i], actualScores[i], $"row {i}: scores must be bit-identical");
        }
    }
}
