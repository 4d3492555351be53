using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Training;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Trainers;

/// <summary>What <c>Fit</c> does for both neural trainers: read, build, train, package.</summary>
internal static class NeuralTrainerCore
{
    public static NeuralRecommender Fit(IHost host, SequentialRecommenderTrainerOptions options, IDataView train, IDataView? validation)
    {
        EncoderKind kind = options.Kind;
        ArgumentNullException.ThrowIfNull(train);
        options.CancellationToken.ThrowIfCancellationRequested();
        host.CheckAlive();
        var names = new SequenceColumnNames(options.HistoryColumnName, options.LabelColumnName,
            options.HistoryTimestampsColumnName, options.TimestampColumnName);
        var training = SequenceArenaReader.ReadTraining(train, names);
        bool timeBiasWanted = options.WantsTimestamps;
        bool useTimestamps = timeBiasWanted && training.Arena.HasTimestamps;
        SequenceArenaReader.Result? validating = validation is null ? null
            : SequenceArenaReader.Read(validation, names, training.Vocabulary, useTimestamps);

        using var channel = host.Start("Training");
        channel.Info($"{kind}: {training.RowsRead} training rows, {training.Arena.TokenTotal} tokens, {training.Vocabulary.Count} items" +
            (validating is null ? "" : $", {validating.RowsRead} validation rows ({validating.UnknownItems} unknown history items skipped)") +
            (timeBiasWanted && !useTimestamps ? "; no timestamp columns, so the time bias is off" : ""));

        int seed = options.Seed ?? ((IHostEnvironmentInternal)host).Seed ?? 0;
        var streams = RandomStreams.FromSeed(seed);
        Device device = TorchRuntimeScope.ResolveDevice(options.Device, host);
        using var runtime = new TorchRuntimeScope(options.NumberOfThreads, streams);
        EncoderShape shape = options.Shape(training.Vocabulary.Count + 1, useTimestamps);
        var module = EncoderFactory.Create(kind, shape);                      // draws from the initialisation stream
        try
        {
            module.to(device);
            runtime.StartDropoutStream();
            var encoder = (ISequenceEncoder)module;
            using var generator = new Generator(streams.Negatives, device);
            var loss = new SampledSoftmaxLoss(options.NumberOfNegatives, options.NegativeSampling, temperature: options.Temperature);
            var loop = new TrainingLoop(module, encoder, (users, targets) => loss.Compute(users, targets, encoder.ItemEmbeddings, generator),
                generator, options, seed, Fingerprint(kind, shape, options, seed, training, validating), host.CheckAlive, device, channel);
            // Validation passes during training use the same precision; the returned model scores in float32 (a failed
            // run disposes the module below, so only success needs the reset).
            encoder.ComputeType = options.Precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
            var result = loop.Run(useTimestamps ? training.Arena : training.Arena.WithoutTimestamps(), validating?.Arena);
            encoder.ComputeType = ScalarType.Float32;

            channel.Info($"{kind}: trained {result.EpochsRun} epoch(s); kept epoch {result.KeptEpoch}" +
                (result.BestValidationNdcgAt10 is { } ndcg ? $" (best validation NDCG@10 {ndcg:F4} at epoch {result.BestEpoch})" : ""));
            var servingSettings = new ServingSettings(options.HistoryColumnName, options.HistoryTimestampsColumnName,
                options.TimestampColumnName, options.NumberOfRecommendations, options.UserEmbeddingColumnName);
            return new NeuralRecommender(kind, shape, module, training.Vocabulary, PopularityRanking(training.Arena, training.Vocabulary.Count),
                servingSettings, result, device);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What a checkpoint must match to be resumed: the model, the data and every setting that changes the arithmetic.
    /// The number of epochs and the patience may differ, so a finished run can be extended, unless a learning-rate
    /// schedule depends on the number of epochs.
    /// </summary>
    private static string Fingerprint(EncoderKind kind, EncoderShape shape, SequentialRecommenderTrainerOptions options, int seed,
        SequenceArenaReader.Result training, SequenceArenaReader.Result? validation)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{kind}|{shape}|rows {training.RowsRead}|tokens {training.Arena.TokenTotal}|validation {validation?.RowsRead ?? -1}|seed {seed}|batch {options.BatchSize}|lr {options.LearningRate:R}|betas {options.AdamBeta1:R},{options.AdamBeta2:R}|wd {options.WeightDecay:R}|negatives {options.NumberOfNegatives} {options.NegativeSampling}|tau {options.Temperature:R}{(!options.GroupBatchesByLength ? "|random batches" : options.LengthGroupBatches == Jagged.LengthBucketedBatchSampler.DefaultBucketBatches ? "" : $"|length groups of {options.LengthGroupBatches} batches")}{(options.WeighTokensEqually ? "|tokens weighed equally" : "")}{(options.Precision == TrainingPrecision.Float32 ? "" : $"|{options.Precision}")}{(options.LearningRateSchedule == LearningRateSchedule.Constant ? "" : $"|{options.LearningRateSchedule} over {options.NumberOfEpochs} epochs")}");

    /// <summary>Item indices by descending count over all training tokens, ties by index.</summary>
    internal static int[] PopularityRanking(SequenceArena arena, int itemCount)
    {
        var counts = new long[itemCount + 1];
        for (int r = 0; r < arena.RowCount; r++)
        {
            foreach (long item in arena.Tokens(r))
            {
                counts[item]++;
            }
        }

        return [.. Enumerable.Range(1, itemCount).OrderByDescending(i => counts[i]).ThenBy(i => i)];
    }
}
