using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Interop;

/// <summary>Export to and import from the reference's state dict layout through <c>mlContext.Recommendation().Model</c>.</summary>
[TestClass]
public sealed class ReferenceModelExchangeTests
{
    private const string Hstu = "_hstu._attention_layers.0.";

    private static MLContext s_mlContext = null!;
    private static SequenceSplit s_timed = null!;
    private static SequenceSplit s_untimed = null!;
    private static HstuTransformer s_hstu = null!;
    private static HstuTransformer s_hstuWithoutTimes = null!;
    private static SasRecTransformer s_sasRec = null!;
    private static TempFolder s_folder = null!;
    private static string s_hstuFile = null!;
    private static string s_sasRecFile = null!;

    [ClassInitialize]
    public static void TrainModels(TestContext context)
    {
        _ = context;
        s_mlContext = new MLContext(seed: 1);
        s_timed = SyntheticSequences.Split(s_mlContext, withTimestamps: true);
        s_untimed = SyntheticSequences.Split(s_mlContext, withTimestamps: false);
        var trainers = s_mlContext.Recommendation().Trainers;
        s_hstu = trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(s_timed.Train);
        s_hstuWithoutTimes = trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(s_untimed.Train);
        s_sasRec = trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(s_untimed.Train);
        s_folder = new TempFolder();
        s_hstuFile = s_folder.File("hstu.pt");
        s_sasRecFile = s_folder.File("sasrec.pt");
        s_mlContext.Recommendation().Model.ExportToReference(s_hstu, s_hstuFile);
        s_mlContext.Recommendation().Model.ExportToReference(s_sasRec, s_sasRecFile);
    }

    [ClassCleanup]
    public static void DisposeModels()
    {
        s_hstu?.Dispose();
        s_hstuWithoutTimes?.Dispose();
        s_sasRec?.Dispose();
        s_folder?.Dispose();
    }

    private static SequentialRecommendationCatalog.SequentialRecommendationModelOperations Models => s_mlContext.Recommendation().Model;

    // The trained models recommend 5 items (SyntheticSequences); an import serves what its options say.
    private static ReferenceImportOptions SameK => new() { NumberOfRecommendations = 5 };

    [TestMethod]
    public void ExportThenImport_HstuWithTimeBias_GivesBitIdenticalScores()
    {
        using var imported = Models.ImportHstuFromReference(s_hstuFile, SameK);

        Assert.IsTrue(imported.UsesTimestamps);
        AssertSameRecommendations(s_hstu, imported, s_timed.Test);
    }

    [TestMethod]
    public void ExportThenImport_HstuWithoutTimestamps_GivesBitIdenticalScores()
    {
        string path = s_folder.File("hstu-untimed.pt");
        Models.ExportToReference(s_hstuWithoutTimes, path);

        using var imported = Models.ImportHstuFromReference(path, SameK);

        Assert.IsFalse(imported.UsesTimestamps);
        AssertSameRecommendations(s_hstuWithoutTimes, imported, s_untimed.Test);
    }

    [TestMethod]
    public void Export_HstuWithoutTimestamps_WritesZeroTimeWeights()
    {
        string path = s_folder.File("hstu-untimed-weights.pt");

        Models.ExportToReference(s_hstuWithoutTimes, path);

        var state = StateDictFiles.Read(path);
        using var timeWeights = state[Hstu + "_rel_attn_bias._ts_w"];
        Assert.AreEqual(0f, timeWeights.abs().max().item<float>(), "a positional-only bias equals the reference's with ts_w = 0 and constant timestamps");
        StringAssert.Contains(File.ReadAllText(Path.ChangeExtension(path, ".json")), "\"uses_timestamps\": false");
    }

    [TestMethod]
    public void ExportThenImport_SasRec_GivesBitIdenticalScores()
    {
        using var imported = Models.ImportSasRecFromReference(s_sasRecFile, SameK);

        AssertSameRecommendations(s_sasRec, imported, s_untimed.Test);
    }

    [TestMethod]
    public void ExportThenImport_KeepsTheItemsAndThePopularityFallback()
    {
        using var imported = Models.ImportSasRecFromReference(s_sasRecFile);

        Assert.AreEqual(s_sasRec.ItemCount, imported.ItemCount);
        CollectionAssert.AreEqual(s_sasRec.Recommender.FallbackRanking, imported.Recommender.FallbackRanking);
    }

    [TestMethod]
    public void Import_WithPopularityData_RanksTheFallbackByTrainingCounts()
    {
        string path = s_folder.File("sasrec-no-fallback.pt");
        StateDictFiles.Rewrite(s_sasRecFile, path, _ => { });
        RewriteJson(path, json => json.Remove("fallback_item_ids"));

        using var withoutData = Models.ImportSasRecFromReference(path);
        using var withData = Models.ImportSasRecFromReference(path, new ReferenceImportOptions { PopularityData = s_untimed.Train });

        CollectionAssert.AreEqual(Enumerable.Range(1, withoutData.ItemCount).ToArray(), withoutData.Recommender.FallbackRanking, "no counts: ascending id order");
        CollectionAssert.AreEqual(s_sasRec.Recommender.FallbackRanking, withData.Recommender.FallbackRanking, "the same counts as Fit's");
    }

    [TestMethod]
    public void Import_ImportedModel_SavesAndLoadsLikeAnyOther()
    {
        using var imported = Models.ImportHstuFromReference(s_hstuFile);
        string zip = s_folder.File("imported.zip");

        s_mlContext.Model.Save(imported, s_timed.Test.Schema, zip);
        var loaded = s_mlContext.Model.Load(zip, out _);

        AssertSameRecommendations(imported, loaded, s_timed.Test);
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void Export_Hstu_WritesTheReferenceKeysAndShapes()
    {
        var state = StateDictFiles.Read(s_hstuFile);

        // D = 8, one block, one head (Dqk = Dv = 8), N = 10 + 11 = 21, item ids 1..20 → 21 rows.
        var expected = new Dictionary<string, long[]>
        {
            ["_attn_mask"] = [21, 21],
            ["_embedding_module._item_emb.weight"] = [21, 8],
            ["_input_features_preproc._pos_emb.weight"] = [21, 8],
            [Hstu + "_uvqk"] = [8, 32],
            [Hstu + "_rel_attn_bias._ts_w"] = [129],
            [Hstu + "_rel_attn_bias._pos_w"] = [41],
            [Hstu + "_o.weight"] = [8, 8],
            [Hstu + "_o.bias"] = [8],
        };
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), state.Keys.ToArray());
        foreach (var (key, shape) in expected)
        {
            CollectionAssert.AreEqual(shape, state[key].shape, key);
        }

        Assert.AreEqual(ScalarType.Bool, state["_attn_mask"].dtype);
        DisposeAll(state);
    }

    [TestMethod]
    public void Export_SasRec_WritesConvolutionWeightsWithATrailingKernelDimension()
    {
        var state = StateDictFiles.Read(s_sasRecFile);

        string[] expected =
        [
            "_attn_mask", "_embedding_module._item_emb.weight", "_input_features_preproc._pos_emb.weight",
            "attention_layers.0.in_proj_weight", "attention_layers.0.in_proj_bias", "attention_layers.0.out_proj.weight", "attention_layers.0.out_proj.bias",
            "forward_layers.0._conv1d.0.weight", "forward_layers.0._conv1d.0.bias", "forward_layers.0._conv1d.3.weight", "forward_layers.0._conv1d.3.bias",
        ];
        CollectionAssert.AreEquivalent(expected, state.Keys.ToArray());
        CollectionAssert.AreEqual(new long[] { 8, 8, 1 }, state["forward_layers.0._conv1d.0.weight"].shape);   // Conv1d(D → FFN = 8, kernel 1)
        CollectionAssert.AreEqual(new long[] { 24, 8 }, state["attention_layers.0.in_proj_weight"].shape);     // [3D, D]
        DisposeAll(state);
    }

    [TestMethod]
    public void Export_ItemTable_HoldsEachItemAtTheRowOfItsId()
    {
        var state = StateDictFiles.Read(s_sasRecFile);
        using var ours = s_sasRec.Recommender.Encoder.ItemEmbeddings.detach().cpu();

        using var table = state["_embedding_module._item_emb.weight"];
        int item = 7;
        int index = s_sasRec.Recommender.Vocabulary.IndexOf(Microsoft.ML.GenerativeRec.Data.RawId.FromNumber(item));
        Assert.IsTrue(table[item].eq(ours[index]).all().item<bool>(), "row 7 of the reference table is item 7");
        DisposeAll(state);
    }

    [TestMethod]
    public void Import_WrongShape_ThrowsNamingTheKeyAndBothShapes()
    {
        string path = s_folder.File("wrong-shape.pt");
        StateDictFiles.Rewrite(s_hstuFile, path, state => state[Hstu + "_o.weight"] = zeros(8, 9));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Models.ImportHstuFromReference(path));

        StringAssert.Contains(e.Message, $"'{Hstu}_o.weight' is [8, 9], expected [8, 8]");
    }

    [TestMethod]
    public void Import_MissingKey_ThrowsNamingTheKey()
    {
        string path = s_folder.File("missing-key.pt");
        StateDictFiles.Rewrite(s_hstuFile, path, state => state.Remove(Hstu + "_rel_attn_bias._pos_w"));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Models.ImportHstuFromReference(path));

        StringAssert.Contains(e.Message, $"1 missing key: '{Hstu}_rel_attn_bias._pos_w'");
    }

    [TestMethod]
    public void Import_ExtraKey_ThrowsNamingTheKey()
    {
        string path = s_folder.File("extra-key.pt");
        StateDictFiles.Rewrite(s_hstuFile, path, state => state[Hstu + "_extra"] = zeros(3));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Models.ImportHstuFromReference(path));

        StringAssert.Contains(e.Message, $"1 unexpected key: '{Hstu}_extra'");
    }

    [TestMethod]
    public void Import_OurOwnTorchSharpLayout_ThrowsNamingTheForeignLayout()
    {
        string path = s_folder.File("our-layout.pt");
        StateDictFiles.Write(path, s_hstu.Recommender.Module.state_dict());
        File.Copy(Path.ChangeExtension(s_hstuFile, ".json"), Path.ChangeExtension(path, ".json"), overwrite: true);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Models.ImportHstuFromReference(path));

        StringAssert.Contains(e.Message, "are those of a Microsoft.ML.GenerativeRec module");
        StringAssert.Contains(e.Message, "'input.item_emb'");
        StringAssert.Contains(e.Message, "'_embedding_module._item_emb.weight'");
    }

    [TestMethod]
    public void Import_SasRecFileAsHstu_ThrowsNamingTheModelInTheFile()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Models.ImportHstuFromReference(s_sasRecFile));

        StringAssert.Contains(e.Message, "describes a SASRec model, not HSTU");
    }

    [TestMethod]
    public void Import_HyperParametersWithoutNumberOfHeads_ThrowsNamingTheField()
    {
        string path = s_folder.File("no-heads.pt");
        StateDictFiles.Rewrite(s_hstuFile, path, _ => { });
        RewriteJson(path, json => json.Remove("num_heads"));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Models.ImportHstuFromReference(path));

        StringAssert.Contains(e.Message, "lacks 'num_heads'");
    }

    [TestMethod]
    public void Import_NotAStateDict_ThrowsNamingTheFile()
    {
        string path = s_folder.File("garbage.pt");
        File.WriteAllText(path, "not a zip");
        File.Copy(Path.ChangeExtension(s_hstuFile, ".json"), Path.ChangeExtension(path, ".json"), overwrite: true);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Models.ImportHstuFromReference(path));

        StringAssert.Contains(e.Message, "is not a PyTorch state dict");
    }

    [TestMethod]
    public void Export_TextIdsThatAreNotIntegers_ThrowsNamingTheId()
    {
        var rows = Enumerable.Range(1, 12).SelectMany(u => Enumerable.Range(0, 6).Select(k => new TextInteraction
        {
            UserId = $"user-{u}", ItemId = $"movie-{((u + k) % 8) + 1}", Timestamp = k,
        }));
        var sequences = s_mlContext.Recommendation().Data.ToSequences(s_mlContext.Data.LoadFromEnumerable(rows), "UserId", "ItemId");
        var split = s_mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);
        using var model = s_mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        string path = s_folder.File("text.pt");

        var e = Assert.ThrowsExactly<NotSupportedException>(() => Models.ExportToReference(model, path));

        StringAssert.Contains(e.Message, "Item id 'movie-1' is not an integer");
        Assert.IsFalse(File.Exists(path), "nothing is written");
    }

    [TestMethod]
    public void Export_MostPopularModel_ThrowsNamingTheSupportedModels()
    {
        var model = s_mlContext.Recommendation().Trainers.MostPopular().Fit(s_untimed.Train);

        var e = Assert.ThrowsExactly<ArgumentException>(() => Models.ExportToReference(model, s_folder.File("popular.pt")));

        Assert.AreEqual("model", e.ParamName);
    }

    private static void AssertSameRecommendations(ITransformer expected, ITransformer actual, IDataView data)
    {
        var expectedView = expected.Transform(data);
        var actualView = actual.Transform(data);
        var expectedItems = expectedView.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var actualItems = actualView.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = expectedView.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        var actualScores = actualView.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        Assert.AreEqual(expectedItems.Length, actualItems.Length);
        for (int i = 0; i < expectedItems.Length; i++)
        {
            CollectionAssert.AreEqual(expectedItems[i], actualItems[i], $"row {i}");
            CollectionAssert.AreEqual(expectedScores[i], actualScores[i], $"row {i}: scores must be bit-identical");
        }
    }

    private static void RewriteJson(string statePath, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        string jsonPath = Path.ChangeExtension(statePath, ".json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(jsonPath))!.AsObject();
        edit(json);
        File.WriteAllText(jsonPath, json.ToJsonString());
    }

    private static void DisposeAll(Dictionary<string, Tensor> state)
    {
        foreach (var tensor in state.Values)
        {
            tensor.Dispose();
        }
    }
}
