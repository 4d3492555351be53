namespace Microsoft.ML.GenerativeRec.Benchmarks.Quality;

/// <summary>The named configurations of the quality benchmark (hstu-spec.md §5.1 for the reference ones).</summary>
internal static class QualityConfigs
{
    public const string Sequences = "ml-1m-sequences";
    public const string Ratings = "ml-1m-ratings-users-1-2999";

    /// <summary>The first 2,999 lines of the sequences file: the users of <see cref="Ratings"/>, with the upstream order of same-second items.</summary>
    public const string SequencesOfRatingsUsers = "ml-1m-sequences-users-1-2999";

    /// <summary>Epochs of the batching experiment (issue #19): enough for the curves to separate, a third of a full run.</summary>
    public const int BatchingEpochs = 30;

    public static IReadOnlyList<QualityConfig> All { get; } = Build();

    public static QualityConfig? Find(string name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private static List<QualityConfig> Build()
    {
        var configs = new List<QualityConfig>();

        // ---- Headline rows (issue #19): the reference configuration, field by field, with the reference's random batches.
        foreach (var (protocol, suffix) in new[] { (LeaveOneOutProtocol.Reference, "reference"), (LeaveOneOutProtocol.Validation, "validation") })
        {
            configs.Add(new($"most-popular-{suffix}", "most-popular", Sequences, protocol, "", null));
            configs.Add(new($"sasrec-{suffix}", "sasrec", Sequences, protocol, "", SasRecAsReference));
            configs.Add(new($"hstu-{suffix}", "hstu", Sequences, protocol, "", HstuAsReference));
            configs.Add(new($"hstu-large-{suffix}", "hstu-large", Sequences, protocol, "", HstuLargeAsReference));
        }

        // The real-timestamp subset (stable sort: same-second ratings keep the file order): HSTU with and without its
        // time bias next to SASRec and HSTU-large, validation protocol, reference configuration and batching.
        configs.Add(new("ratings-most-popular", "most-popular", Ratings, LeaveOneOutProtocol.Validation, "", null));
        configs.Add(new("ratings-sasrec", "sasrec", Ratings, LeaveOneOutProtocol.Validation, "", SasRecAsReference));
        configs.Add(new("ratings-hstu", "hstu", Ratings, LeaveOneOutProtocol.Validation, "", HstuAsReference));
        configs.Add(new("ratings-hstu-no-time-bias", "hstu", Ratings, LeaveOneOutProtocol.Validation, "time bias off",
            () => With(HstuAsReference(), o => o.UseTimeBias = false)));
        configs.Add(new("ratings-hstu-large", "hstu-large", Ratings, LeaveOneOutProtocol.Validation, "", HstuLargeAsReference));
        configs.Add(new("ratings-hstu-large-no-time-bias", "hstu-large", Ratings, LeaveOneOutProtocol.Validation, "time bias off",
            () => With(HstuLargeAsReference(), o => o.UseTimeBias = false)));
        // The same users and model as ratings-hstu-no-time-bias, with the upstream order of same-second items.
        configs.Add(new("sequences-users-1-2999-hstu-random-batches", "hstu", SequencesOfRatingsUsers, LeaveOneOutProtocol.Validation,
            "upstream order of same-second items", HstuAsReference));

        // ---- The batching experiment (issue #19): which batching should the library default to? HSTU, validation
        // protocol, 30 epochs without early stopping, the best validation epoch kept; only the batching differs.
        configs.Add(Batching("batching-random", "random batches, as the reference", o => { }));
        configs.Add(Batching("batching-random-weighted", "random batches, tokens weighed equally", o => o.WeighTokensEqually = true));
        foreach (int users in new[] { 512, 1024, 4096 })
        {
            int batches = users / 128;
            configs.Add(Batching($"batching-groups-{users}-weighted", $"length-sorted groups of {users} users, tokens weighed equally",
                o => { o.GroupBatchesByLength = true; o.LengthGroupBatches = batches; o.WeighTokensEqually = true; }));
            configs.Add(Batching($"batching-groups-{users}", $"length-sorted groups of {users} users",
                o => { o.GroupBatchesByLength = true; o.LengthGroupBatches = batches; }));
        }

        // ---- Runs measured before issue #19 on grouped batches (4,096 users sorted by length together, the plain batch
        // mean unless named). Their bases were the reference configuration with grouped batches; they keep it, so each
        // name still means what its result file measured.
        foreach (var (protocol, suffix) in new[] { (LeaveOneOutProtocol.Reference, "reference"), (LeaveOneOutProtocol.Validation, "validation") })
        {
            configs.Add(new($"sasrec-{suffix}-grouped", "sasrec", Sequences, protocol, "grouped batches", () => Grouped(SasRecAsReference())));
            configs.Add(new($"hstu-{suffix}-grouped", "hstu", Sequences, protocol, "grouped batches", () => Grouped(HstuAsReference())));
        }

        configs.Add(new("ratings-hstu-grouped", "hstu", Ratings, LeaveOneOutProtocol.Validation, "grouped batches", () => Grouped(HstuAsReference())));
        configs.Add(new("ratings-hstu-no-time-bias-grouped", "hstu", Ratings, LeaveOneOutProtocol.Validation, "grouped batches, time bias off",
            () => With(Grouped(HstuAsReference()), o => o.UseTimeBias = false)));
        configs.Add(new("sequences-users-1-2999-hstu", "hstu", SequencesOfRatingsUsers, LeaveOneOutProtocol.Validation,
            "grouped batches, upstream order of same-second items", () => Grouped(HstuAsReference())));

        // Random batches against grouped ones (now the same as hstu-reference / hstu-validation; kept for the pre-#19 file).
        configs.Add(new("hstu-reference-random-batches", "hstu", Sequences, LeaveOneOutProtocol.Reference, "random batches, as the reference", HstuAsReference));
        configs.Add(new("hstu-validation-random-batches", "hstu", Sequences, LeaveOneOutProtocol.Validation, "random batches, as the reference", HstuAsReference));
        // Grouped batches with each batch's loss scaled by its share of tokens.
        configs.Add(new("hstu-reference-tokens-weighed", "hstu", Sequences, LeaveOneOutProtocol.Reference, "grouped batches, tokens weighed equally",
            () => GroupedWeighed(HstuAsReference())));
        configs.Add(new("hstu-large-reference-tokens-weighed", "hstu-large", Sequences, LeaveOneOutProtocol.Reference, "grouped batches, tokens weighed equally",
            () => GroupedWeighed(HstuLargeAsReference())));
        configs.Add(new("sasrec-reference-tokens-weighed", "sasrec", Sequences, LeaveOneOutProtocol.Reference, "grouped batches, tokens weighed equally",
            () => GroupedWeighed(SasRecAsReference())));
        configs.Add(new("hstu-validation-tokens-weighed", "hstu", Sequences, LeaveOneOutProtocol.Validation, "grouped batches, tokens weighed equally",
            () => GroupedWeighed(HstuAsReference())));

        // Full softmax over the 3,706 movies instead of 128 sampled negatives.
        configs.Add(new("hstu-validation-full-softmax", "hstu", Sequences, LeaveOneOutProtocol.Validation, "full softmax (all items)",
            () => With(Grouped(HstuAsReference()), o => o.NegativeSampling = NegativeSampling.AllItems)));

        // Cosine annealing of the learning rate over the 101 epochs instead of the reference's constant rate.
        configs.Add(new("hstu-validation-cosine", "hstu", Sequences, LeaveOneOutProtocol.Validation, "cosine learning-rate schedule",
            () => With(Grouped(HstuAsReference()), o => o.LearningRateSchedule = LearningRateSchedule.Cosine)));

        // All 101 epochs, keeping the best validation epoch (the test item is still only read at the end).
        configs.Add(new("hstu-validation-101-epochs", "hstu", Sequences, LeaveOneOutProtocol.Validation, "all 101 epochs, best validation epoch kept",
            () => With(Grouped(HstuAsReference()), o => o.EarlyStoppingPatience = 101)));
        configs.Add(new("hstu-validation-cosine-101-epochs", "hstu", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, all 101 epochs, best validation epoch kept",
            () => With(Grouped(HstuAsReference()), o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.EarlyStoppingPatience = 101; })));
        configs.Add(new("hstu-validation-cosine-tokens-weighed-101-epochs", "hstu", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, tokens weighed equally, all 101 epochs, best validation epoch kept",
            () => With(GroupedWeighed(HstuAsReference()), o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.EarlyStoppingPatience = 101; })));

        // HSTU-large under the validation protocol: single changes, and the combination of those that helped on HSTU.
        configs.Add(new("hstu-large-validation-101-epochs", "hstu-large", Sequences, LeaveOneOutProtocol.Validation,
            "all 101 epochs, best validation epoch kept", () => With(Grouped(HstuLargeAsReference()), o => o.EarlyStoppingPatience = 101)));
        configs.Add(new("hstu-large-cosine-101-epochs", "hstu-large", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, all 101 epochs, best validation epoch kept",
            () => With(Grouped(HstuLargeAsReference()), o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.EarlyStoppingPatience = 101; })));
        configs.Add(new("hstu-large-cosine-tokens-weighed-101-epochs", "hstu-large", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, tokens weighed equally, all 101 epochs, best validation epoch kept",
            () => With(GroupedWeighed(HstuLargeAsReference()), o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.EarlyStoppingPatience = 101; })));
        configs.Add(new("hstu-large-neg512", "hstu-large", Sequences, LeaveOneOutProtocol.Validation, "grouped batches, 512 negatives per position",
            () => With(Grouped(HstuLargeAsReference()), o => o.NumberOfNegatives = 512)));
        configs.Add(new("hstu-large-patience20", "hstu-large", Sequences, LeaveOneOutProtocol.Validation, "grouped batches, early-stopping patience 20, up to 201 epochs",
            () => With(Grouped(HstuLargeAsReference()), o => { o.EarlyStoppingPatience = 20; o.NumberOfEpochs = 201; })));
        return configs;
    }

    private static QualityConfig Batching(string name, string change, Action<HstuTrainer.Options> batching)
        => new(name, "hstu", Sequences, LeaveOneOutProtocol.Validation, $"{change}; {BatchingEpochs} epochs, best validation epoch kept",
            () => With(HstuAsReference(), o =>
            {
                o.NumberOfEpochs = BatchingEpochs;
                o.EarlyStoppingPatience = BatchingEpochs;                   // no early stopping: every arm trains 30 epochs
                batching(o);
            }));

    // The reference's ML-1M configurations (hstu-spec.md §5.1, §5.2), every field set here rather than taken from the
    // library's defaults, which may differ from the reference (batching, token weighting). The reference draws each
    // batch's users at random (DistributedSampler(shuffle=True)) and takes the mean loss over the batch's tokens.
    private static T Reference<T>(T o, int blocks, int heads)
        where T : SequentialRecommenderTrainerOptions
    {
        o.EmbeddingDimension = 50;                   // item_embedding_dim
        o.NumberOfBlocks = blocks;                   // num_blocks: 2 (HSTU-large 8)
        o.NumberOfHeads = heads;                     // num_heads: 1 (HSTU-large 2)
        o.MaxSequenceLength = 200;                   // max_sequence_length
        o.PaddedLength = 211;                        // N = 200 + gr_output_length 10 + 1 (§1.5)
        o.DropoutRate = 0.2;                         // dropout_rate = linear_dropout_rate / ffn_dropout_rate
        o.NumberOfEpochs = 101;                      // num_epochs
        o.BatchSize = 128;                           // local_batch_size
        o.GroupBatchesByLength = false;              // DistributedSampler(shuffle=True): random batches
        o.WeighTokensEqually = false;                // loss = mean over the batch's supervised tokens (§5.3)
        o.LearningRate = 1e-3;                       // learning_rate
        o.LearningRateSchedule = LearningRateSchedule.Constant;   // num_warmup_steps = 0, no decay
        o.WeightDecay = 0;                           // weight_decay
        o.AdamBeta1 = 0.9;                           // AdamW betas (0.9, 0.98), eps 1e-8
        o.AdamBeta2 = 0.98;
        o.NumberOfNegatives = 128;                   // num_negatives
        o.NegativeSampling = NegativeSampling.PerPosition;        // sampling_strategy = "local"
        o.Temperature = 0.05;                        // temperature
        o.Precision = TrainingPrecision.Float32;     // main_module_bf16 = False
        return o;
    }

    private static SasRecTrainer.Options SasRecAsReference()
        => Reference(new SasRecTrainer.Options { FeedForwardDimension = 50 }, blocks: 2, heads: 1);     // ffn_hidden_dim 50

    private static HstuTrainer.Options HstuAsReference()
        => Reference(new HstuTrainer.Options { AttentionDimension = 50, ValueDimension = 50, UseTimeBias = true }, blocks: 2, heads: 1);

    private static HstuTrainer.Options HstuLargeAsReference()
        => Reference(new HstuTrainer.Options { AttentionDimension = 25, ValueDimension = 25, UseTimeBias = true }, blocks: 8, heads: 2);

    // Before issue #19 the "reference" bases used the library's grouped batches (4,096 users sorted together).
    private static T Grouped<T>(T o)
        where T : SequentialRecommenderTrainerOptions
        => With(o, x => x.GroupBatchesByLength = true);

    private static T GroupedWeighed<T>(T o)
        where T : SequentialRecommenderTrainerOptions
        => With(o, x => { x.GroupBatchesByLength = true; x.WeighTokensEqually = true; });

    private static T With<T>(T options, Action<T> change)
    {
        change(options);
        return options;
    }
}
