namespace Microsoft.ML.GenerativeRec.Benchmarks.Quality;

/// <summary>The named configurations of the quality benchmark (hstu-spec.md §5.1 for the reference ones).</summary>
internal static class QualityConfigs
{
    public const string Sequences = "ml-1m-sequences";
    public const string Ratings = "ml-1m-ratings-users-1-2999";

    /// <summary>The first 2,999 lines of the sequences file: the users of <see cref="Ratings"/>, with the upstream order of same-second items.</summary>
    public const string SequencesOfRatingsUsers = "ml-1m-sequences-users-1-2999";

    public static IReadOnlyList<QualityConfig> All { get; } = Build();

    public static QualityConfig? Find(string name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private static List<QualityConfig> Build()
    {
        var configs = new List<QualityConfig>();
        foreach (var (protocol, suffix) in new[] { (LeaveOneOutProtocol.Reference, "reference"), (LeaveOneOutProtocol.Validation, "validation") })
        {
            configs.Add(new($"most-popular-{suffix}", "most-popular", Sequences, protocol, "", null));
            configs.Add(new($"sasrec-{suffix}", "sasrec", Sequences, protocol, "", SasRecAsReference));
            configs.Add(new($"hstu-{suffix}", "hstu", Sequences, protocol, "", HstuAsReference));
            configs.Add(new($"hstu-large-{suffix}", "hstu-large", Sequences, protocol, "", HstuLargeAsReference));
        }

        // The real-timestamp subset: HSTU with and without its time bias next to SASRec (validation protocol only).
        configs.Add(new("ratings-most-popular", "most-popular", Ratings, LeaveOneOutProtocol.Validation, "", null));
        configs.Add(new("ratings-sasrec", "sasrec", Ratings, LeaveOneOutProtocol.Validation, "", SasRecAsReference));
        configs.Add(new("ratings-hstu", "hstu", Ratings, LeaveOneOutProtocol.Validation, "", HstuAsReference));
        configs.Add(new("ratings-hstu-no-time-bias", "hstu", Ratings, LeaveOneOutProtocol.Validation, "time bias off",
            () => With(HstuAsReference(), o => o.UseTimeBias = false)));
        configs.Add(new("ratings-hstu-large", "hstu-large", Ratings, LeaveOneOutProtocol.Validation, "", HstuLargeAsReference));
        configs.Add(new("ratings-hstu-large-no-time-bias", "hstu-large", Ratings, LeaveOneOutProtocol.Validation, "time bias off",
            () => With(HstuLargeAsReference(), o => o.UseTimeBias = false)));

        // The same users, items and model as ratings-hstu-no-time-bias, but the order of items rated in the same second
        // comes from the upstream preprocessing (unstable sort) instead of a stable sort on the original file order.
        configs.Add(new("sequences-users-1-2999-hstu", "hstu", SequencesOfRatingsUsers, LeaveOneOutProtocol.Validation,
            "upstream order of same-second items", HstuAsReference));

        // Does length-bucketed batching (which weighs short-history tokens more) explain part of the gap to the published HSTU?
        configs.Add(new("hstu-reference-random-batches", "hstu", Sequences, LeaveOneOutProtocol.Reference, "random batches, as the reference",
            () => With(HstuAsReference(), o => o.GroupBatchesByLength = false)));
        // The same question answered without giving up grouped batches: scale each batch's loss by its share of tokens.
        configs.Add(new("hstu-reference-tokens-weighed", "hstu", Sequences, LeaveOneOutProtocol.Reference, "grouped batches, tokens weighed equally",
            () => With(HstuAsReference(), o => o.WeighTokensEqually = true)));
        configs.Add(new("hstu-large-reference-tokens-weighed", "hstu-large", Sequences, LeaveOneOutProtocol.Reference, "grouped batches, tokens weighed equally",
            () => With(HstuLargeAsReference(), o => o.WeighTokensEqually = true)));
        configs.Add(new("sasrec-reference-tokens-weighed", "sasrec", Sequences, LeaveOneOutProtocol.Reference, "grouped batches, tokens weighed equally",
            () => With(SasRecAsReference(), o => o.WeighTokensEqually = true)));
        configs.Add(new("hstu-validation-random-batches", "hstu", Sequences, LeaveOneOutProtocol.Validation, "random batches, as the reference",
            () => With(HstuAsReference(), o => o.GroupBatchesByLength = false)));

        // Full softmax over the 3,706 movies instead of 128 sampled negatives: no sampling noise, for about 9 % more time
        // per epoch (docs/benchmarks.md).
        configs.Add(new("hstu-validation-full-softmax", "hstu", Sequences, LeaveOneOutProtocol.Validation, "full softmax (all items)",
            () => With(HstuAsReference(), o => o.NegativeSampling = NegativeSampling.AllItems)));

        // Cosine annealing of the learning rate over the 101 epochs instead of the reference's constant rate.
        configs.Add(new("hstu-validation-cosine", "hstu", Sequences, LeaveOneOutProtocol.Validation, "cosine learning-rate schedule",
            () => With(HstuAsReference(), o => o.LearningRateSchedule = LearningRateSchedule.Cosine)));

        // With patience 10 the cosine run stopped at epoch 58, as the constant rate did, before the rate was low. Both
        // again over all 101 epochs, keeping the best validation epoch (the test item is still only read at the end).
        configs.Add(new("hstu-validation-101-epochs", "hstu", Sequences, LeaveOneOutProtocol.Validation, "all 101 epochs, best validation epoch kept",
            () => With(HstuAsReference(), o => o.EarlyStoppingPatience = 101)));
        configs.Add(new("hstu-validation-cosine-101-epochs", "hstu", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, all 101 epochs, best validation epoch kept",
            () => With(HstuAsReference(), o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.EarlyStoppingPatience = 101; })));

        // The token weighting under this protocol, one change from hstu-validation-cosine-101-epochs.
        configs.Add(new("hstu-validation-cosine-tokens-weighed-101-epochs", "hstu", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, tokens weighed equally, all 101 epochs, best validation epoch kept",
            () => With(HstuAsReference(), o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.EarlyStoppingPatience = 101; o.WeighTokensEqually = true; })));

        configs.Add(new("hstu-validation-tokens-weighed", "hstu", Sequences, LeaveOneOutProtocol.Validation, "grouped batches, tokens weighed equally",
            () => With(HstuAsReference(), o => o.WeighTokensEqually = true)));

        // HSTU-large under the validation protocol: single changes, and the combination of those that helped on HSTU.
        configs.Add(new("hstu-large-validation-101-epochs", "hstu-large", Sequences, LeaveOneOutProtocol.Validation,
            "all 101 epochs, best validation epoch kept", () => With(HstuLargeAsReference(), o => o.EarlyStoppingPatience = 101)));
        configs.Add(new("hstu-large-cosine-101-epochs", "hstu-large", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, all 101 epochs, best validation epoch kept",
            () => With(HstuLargeAsReference(), o => { o.LearningRateSchedule = LearningRateSchedule.Cosine; o.EarlyStoppingPatience = 101; })));
        // The best recipe measured so far: the cosine schedule over all 101 epochs, with every token weighed as in
        // random batches. Its pair without the token weighting is hstu-large-cosine-101-epochs.
        configs.Add(new("hstu-large-cosine-tokens-weighed-101-epochs", "hstu-large", Sequences, LeaveOneOutProtocol.Validation,
            "cosine learning-rate schedule, tokens weighed equally, all 101 epochs, best validation epoch kept",
            () => With(HstuLargeAsReference(), o =>
            {
                o.LearningRateSchedule = LearningRateSchedule.Cosine;
                o.EarlyStoppingPatience = 101;
                o.WeighTokensEqually = true;
            })));
        configs.Add(new("hstu-large-neg512", "hstu-large", Sequences, LeaveOneOutProtocol.Validation, "512 negatives per position",
            () => With(HstuLargeAsReference(), o => o.NumberOfNegatives = 512)));
        configs.Add(new("hstu-large-patience20", "hstu-large", Sequences, LeaveOneOutProtocol.Validation, "early-stopping patience 20, up to 201 epochs",
            () => With(HstuLargeAsReference(), o => { o.EarlyStoppingPatience = 20; o.NumberOfEpochs = 201; })));
        return configs;
    }

    // The reference takes each batch's loss as the mean over its own tokens. The package default weighs tokens equally
    // instead (a measured gain with grouped batches), so every configuration above starts from the reference's formula
    // and names the change it makes; the rows measured before the default changed stay reproducible.
    private static SasRecTrainer.Options SasRecAsReference() => new() { WeighTokensEqually = false };

    private static HstuTrainer.Options HstuAsReference() => new() { WeighTokensEqually = false };

    private static HstuTrainer.Options HstuLargeAsReference() => With(HstuTrainer.Options.Large(), o => o.WeighTokensEqually = false);

    private static T With<T>(T options, Action<T> change)
    {
        change(options);
        return options;
    }
}
