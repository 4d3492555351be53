using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Benchmarks.Reporting;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Quality;

/// <summary>
/// Runs one named configuration end to end through the public API — load, split, fit, evaluate on the test rows —
/// and writes its result file. Training checkpoints go to artifacts/benchmarks/, so an interrupted run resumes.
/// </summary>
internal static class QualityRun
{
    private static readonly int[] Cutoffs = [10, 50, 200];

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "--list" or "-h" or "--help")
        {
            Console.WriteLine("usage: quality <config> [--data <ml-1m folder>] [--epochs <n>] [--seed <n>] [--no-table]   |   quality --table");
            Console.WriteLine("configs:");
            foreach (var c in QualityConfigs.All)
                Console.WriteLine($"  {c.Name,-34} {c.Model,-12} {c.Dataset,-28} {c.Protocol,-10} {c.Change}");
            return args.Length == 0 ? 2 : 0;
        }

        var environment = BenchmarkEnvironment.Capture();
        if (args[0] == "--table")
        {
            QualityTable.Write(environment.RepositoryRoot);
            return 0;
        }

        var config = QualityConfigs.Find(args[0]);
        if (config is null)
        {
            Console.Error.WriteLine($"Unknown configuration '{args[0]}'; `quality --list` shows them.");
            return 2;
        }

        string data = Path.Combine(environment.RepositoryRoot, "data", "ml-1m");
        int? epochs = null;
        int seed = 1;
        bool table = true;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length: data = args[++i]; break;
                case "--epochs" when i + 1 < args.Length: epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed" when i + 1 < args.Length: seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-table": table = false; break;      // a queue of runs leaves docs/benchmarks.md to whoever commits
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'.");
                    return 2;
            }
        }

        var result = Execute(config, data, epochs, seed, environment, "dotnet run -c Release --project test/Microsoft.ML.GenerativeRec.Benchmarks -- quality " + string.Join(' ', args.Where(a => a != "--no-table")));
        string fileName = $"quality-{config.Name}-seed{seed}.json";
        if (epochs is { } shortened)
        {
            // A run with another number of epochs (a smoke test) is not the named run: its file stays out of docs/.
            string folder = Path.Combine(environment.RepositoryRoot, "artifacts", "benchmarks", "shortened");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, $"quality-{config.Name}-seed{seed}-epochs{shortened}.json");
            File.WriteAllText(path, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.WriteLine($"wrote {Path.GetRelativePath(environment.RepositoryRoot, path)} (shortened run: not in docs/benchmarks)");
            return 0;
        }

        string file = ResultFiles.Write(environment.RepositoryRoot, fileName, result);
        if (table)
            QualityTable.Write(environment.RepositoryRoot);
        Console.WriteLine($"wrote {Path.GetRelativePath(environment.RepositoryRoot, file)}{(table ? " and the table in docs/benchmarks.md" : "")}");
        return 0;
    }

    private static JsonObject Execute(QualityConfig config, string dataFolder, int? epochs, int seed, BenchmarkEnvironment environment, string command)
    {
        var mlContext = new MLContext(seed: seed);
        var rec = mlContext.Recommendation();
        IDataView sequences = config.Dataset switch
        {
            QualityConfigs.Ratings => rec.Data.ToSequences(
                MovieLens.LoadRatings(mlContext, Path.Combine(dataFolder, "ratings.users-1-2999.dat.gz")), "UserId", "MovieId", "Timestamp"),
            // The file lists users 1..6040 in ascending order (../shared/data/README.md).
            QualityConfigs.SequencesOfRatingsUsers => mlContext.Data.TakeRows(
                MovieLens.LoadSequences(mlContext, Path.Combine(dataFolder, "sequences.all-users.txt.gz")), 2999),
            _ => MovieLens.LoadSequences(mlContext, Path.Combine(dataFolder, "sequences.all-users.txt.gz")),
        };
        var split = rec.Data.LeaveOneOutSplit(sequences, config.Protocol);
        Console.WriteLine($"{config.Name}: {config.Model} on {config.Dataset}, {config.Protocol} protocol, {split.UserCount} users, seed {seed}");

        var clock = Stopwatch.StartNew();
        var json = new JsonObject
        {
            ["kind"] = "quality",
            ["name"] = config.Name,
            ["dataset"] = config.Dataset,
            ["model"] = config.Model,
            ["protocol"] = config.Protocol == LeaveOneOutProtocol.Reference ? "reference" : "validation",
            ["change"] = config.Change,
            ["seed"] = seed,
            ["data_has_timestamps"] = config.Dataset == QualityConfigs.Ratings,
            ["users"] = split.UserCount,
        };

        SequentialRecommenderTransformer? trained = null;
        ITransformer model;
        if (config.CreateOptions is null)
        {
            model = rec.Trainers.MostPopular(new MostPopularTrainer.Options { NumberOfRecommendations = Cutoffs[^1] }).Fit(split.Train);
            json["config"] = new JsonObject();
        }
        else
        {
            var options = config.CreateOptions();
            options.Seed = seed;
            if (epochs is { } e)
                options.NumberOfEpochs = e;
            options.CheckpointFolder = Path.Combine(environment.RepositoryRoot, "artifacts", "benchmarks",
                epochs is null ? $"{config.Name}-seed{seed}" : $"{config.Name}-seed{seed}-epochs{epochs}");
            options.Progress = new EpochPrinter();
            IDataView validation = split.Validation ?? split.Test;
            if (config.Protocol == LeaveOneOutProtocol.Reference)
            {
                // The reference scripts train a fixed number of epochs and evaluate on the test rows after each one
                // (hstu-spec.md §2.5): the last epoch's model is reported, and the best epoch only as the logged figure.
                options.EarlyStoppingPatience = options.NumberOfEpochs + 1;
                options.RestoreBestWeights = false;
            }

            json["config"] = Describe(options);
            trained = options switch
            {
                HstuTrainer.Options hstu => rec.Trainers.Hstu(hstu).Fit(split.Train, validation),
                SasRecTrainer.Options sasrec => rec.Trainers.SasRec(sasrec).Fit(split.Train, validation),
                _ => throw new InvalidOperationException(options.GetType().Name),
            };
            model = trained;
        }

        double trainSeconds = clock.Elapsed.TotalSeconds;
        var metrics = trained is not null
            ? rec.Evaluate(trained, split.Test)
            : rec.Evaluate(model.Transform(split.Test));
        json["metrics"] = Metrics(metrics);
        if (trained is { TrainingHistory: { } history })
        {
            var thisRun = history.Epochs.Where(e => e.ValidationSeconds is not null).ToList();
            json["epochs_run"] = history.EpochsRun;
            if (config.Protocol == LeaveOneOutProtocol.Reference)
            {
                // Chosen on the test rows, as the reference's logs allow: reported beside, never instead of, the last epoch.
                var best = history.Epochs.MaxBy(e => e.ValidationNdcgAt10 ?? double.NegativeInfinity)!;
                json["reported_epoch"] = "last";
                json["best_epoch_by_test"] = new JsonObject
                {
                    ["epoch"] = best.Epoch, ["hr@10"] = best.ValidationHitRateAt10, ["ndcg@10"] = best.ValidationNdcgAt10,
                };
            }
            else
            {
                json["reported_epoch"] = "best validation";
                json["best_epoch"] = history.BestEpoch;
                json["best_validation_ndcg@10"] = history.BestValidationNdcgAt10;
            }

            json["train_seconds"] = Math.Round(trainSeconds, 1);
            json["epochs_timed"] = thisRun.Count;
            json["seconds_per_epoch"] = thisRun.Count == 0 ? null : Math.Round(thisRun.Average(e => e.Seconds + e.ValidationSeconds!.Value), 2);
            json["tokens_per_second"] = thisRun.Count == 0 ? null : Math.Round(thisRun.Average(e => e.TokensPerSecond));
            json["curve"] = new JsonArray([.. history.Epochs.Select(e => (JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch, ["loss"] = Math.Round(e.Loss, 5), ["ndcg@10"] = e.ValidationNdcgAt10, ["hr@10"] = e.ValidationHitRateAt10,
                ["seconds"] = Math.Round(e.Seconds, 2), ["tokens_per_second"] = Math.Round(e.TokensPerSecond),
            })]);
            // On a shared machine the least-contended epoch is the best estimate of the run's own speed.
            json["fastest_epoch_tokens_per_second"] = Math.Round(history.Epochs.Max(e => e.TokensPerSecond));
            json["fastest_epoch_training_seconds"] = Math.Round(history.Epochs.Min(e => e.Seconds), 2);
            trained.Dispose();
        }

        json["peak_working_set_mb"] = BenchmarkEnvironment.PeakWorkingSetMb();
        json["command"] = command;
        json["commit"] = environment.Commit;
        json["machine"] = environment.Machine;
        json["date"] = environment.Date;
        Console.WriteLine($"test: {metrics}");
        return json;
    }

    private static JsonObject Metrics(SequentialRecommendationMetrics metrics)
    {
        var json = new JsonObject();
        foreach (int k in Cutoffs)
        {
            json[$"hr@{k}"] = Math.Round(metrics.HitRate(k), 6);
            json[$"ndcg@{k}"] = Math.Round(metrics.Ndcg(k), 6);
        }

        json["mrr"] = Math.Round(metrics.MeanReciprocalRank, 6);
        json["evaluated_users"] = metrics.EvaluatedCount;
        return json;
    }

    private static JsonObject Describe(SequentialRecommenderTrainerOptions options)
    {
        var json = new JsonObject
        {
            ["embedding_dimension"] = options.EmbeddingDimension,
            ["blocks"] = options.NumberOfBlocks,
            ["heads"] = options.NumberOfHeads,
            ["max_sequence_length"] = options.MaxSequenceLength,
            ["dropout"] = options.DropoutRate,
            ["negatives"] = options.NumberOfNegatives,
            ["negative_sampling"] = options.NegativeSampling.ToString(),
            ["temperature"] = options.Temperature,
            ["padded_length"] = options.EffectivePaddedLength,
            ["batch_size"] = options.BatchSize,
            ["group_batches_by_length"] = options.GroupBatchesByLength,
            ["length_group_users"] = options.GroupBatchesByLength ? options.LengthGroupBatches * options.BatchSize : null,
            ["weigh_tokens_equally"] = options.WeighTokensEqually,
            ["precision"] = options.Precision.ToString(),
            ["learning_rate"] = options.LearningRate,
            ["learning_rate_schedule"] = options.LearningRateSchedule.ToString(),
            ["weight_decay"] = options.WeightDecay,
            ["adam_betas"] = new JsonArray(options.AdamBeta1, options.AdamBeta2),
            ["max_epochs"] = options.NumberOfEpochs,
            ["early_stopping_patience"] = options.EarlyStoppingPatience,
        };
        if (options is HstuTrainer.Options hstu)
        {
            json["attention_dimension"] = hstu.EffectiveAttentionDimension;
            json["value_dimension"] = hstu.EffectiveValueDimension;
            json["time_bias"] = hstu.UseTimeBias;
        }
        else if (options is SasRecTrainer.Options sasrec)
        {
            json["feed_forward_dimension"] = sasrec.FeedForwardDimension;
        }

        return json;
    }

    /// <summary>Prints one line per epoch (synchronously, so lines stay in order).</summary>
    private sealed class EpochPrinter : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.IsEpochEnd)
            {
                // The native heap's own account beside the working set, to tell a leak from fragmentation in long runs.
                string heap = Microsoft.ML.GenerativeRec.Training.NativeHeap.Statistics() is { } h
                    ? $"; heap {h.InUseBytes >> 20} MB in use, {h.FreeBytes >> 20} MB free, working set {Environment.WorkingSet >> 20} MB"
                    : "";
                Console.WriteLine($"  {DateTime.Now:HH:mm:ss} {value}{heap}");
            }
        }
    }
}
