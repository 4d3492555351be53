using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Benchmarks.Reporting;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Performance;

/// <summary>
/// The performance benchmark (issue #5): training speed, jagged vs padded batches, FLOP efficiency, serving latency,
/// memory and scaling, each comparison measured side by side in one run. Writes docs/benchmarks/performance[-quick].json
/// and the performance section of docs/benchmarks.md.
/// </summary>
internal static class PerfRun
{
    public static int Run(string[] args)
    {
        if (args.Contains("--table"))
        {
            // Only the section, from the result files as committed (e.g. after adding a baseline run's file).
            string root = BenchmarkEnvironment.FindRepositoryRoot();
            ResultFiles.ReplaceSection(root, "performance-results", Section(root));
            return 0;
        }

        bool quick = args.Contains("--quick");
        var environment = BenchmarkEnvironment.Capture();
        string data = Path.Combine(environment.RepositoryRoot, "data", "ml-1m");
        int dataIndex = Array.IndexOf(args, "--data");
        if (dataIndex >= 0 && dataIndex + 1 < args.Length)
            data = args[dataIndex + 1];

        var total = Stopwatch.StartNew();
        var mlContext = new MLContext(seed: 1);
        var sequences = MovieLens.LoadSequences(mlContext, Path.Combine(data, "sequences.all-users.txt.gz"));
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);
        var figures = new JsonObject();
        var details = new JsonObject();

        // 3. The machine's practical ceiling, first and last, so a change in machine load shows.
        double matmulBefore = MatmulGflops();
        Log($"matmul 2048³: {matmulBefore:F1} GFLOP/s");

        // 1. Training epochs through the public API, validation included. Quick: one epoch each; full: three, the first dropped.
        int epochs = quick ? 1 : 3;
        string modelZip = Path.Combine(environment.RepositoryRoot, "artifacts", "perf", "hstu-1-epoch.zip");
        foreach (var (model, sampling) in new[] { ("hstu", NegativeSampling.PerPosition), ("hstu", NegativeSampling.SharedAcrossBatch),
                                                   ("sasrec", NegativeSampling.PerPosition), ("sasrec", NegativeSampling.SharedAcrossBatch) })
        {
            var (seconds, tokensPerSecond, validationSeconds) = TrainEpochs(mlContext, split, model, sampling, epochs,
                model == "hstu" && sampling == NegativeSampling.PerPosition ? modelZip : null);
            string suffix = sampling == NegativeSampling.PerPosition ? "" : "_shared_negatives";
            figures[$"{model}_seconds_per_epoch{suffix}"] = Math.Round(seconds, 2);
            figures[$"{model}_tokens_per_second{suffix}"] = Math.Round(tokensPerSecond);
            details[$"{model}_validation_seconds{suffix}"] = Math.Round(validationSeconds, 2);
            Log($"{model} {sampling}: {seconds:F1} s/epoch with validation ({validationSeconds:F1} s of it), {tokensPerSecond:N0} tokens/s");
        }

        figures["peak_working_set_mb_train"] = BenchmarkEnvironment.PeakWorkingSetMb();

        // The bfloat16 option (meant for GPUs) on this CPU, after the float32 runs so it cannot raise their peak memory.
        var bfloat16 = TrainEpochs(mlContext, split, "hstu", NegativeSampling.PerPosition, epochs, null, precision: TrainingPrecision.BFloat16);
        details["hstu_seconds_per_epoch_bfloat16"] = Math.Round(bfloat16.Seconds, 2);
        details["hstu_tokens_per_second_bfloat16"] = Math.Round(bfloat16.TokensPerSecond);
        Log($"hstu PerPosition bfloat16: {bfloat16.Seconds:F1} s/epoch with validation, {bfloat16.TokensPerSecond:N0} tokens/s");

        // 2 and 3. Jagged vs padded-to-200 steps on the same users; the encoder's own FLOP rate.
        var steps = StepComparison.Run(split.Train, quick ? 8 : 48, seed: 1);
        double encoderGflops = steps.EncoderGflopsPerStep / steps.EncoderSecondsPerStep;
        figures["jagged_over_padded_tokens_ratio"] = Math.Round(steps.JaggedTokensPerSecond / steps.PaddedTokensPerSecond, 2);
        details["jagged_tokens_per_second"] = Math.Round(steps.JaggedTokensPerSecond);
        details["padded_tokens_per_second"] = Math.Round(steps.PaddedTokensPerSecond);
        details["step_comparison_steps"] = steps.Steps;
        details["step_comparison_tokens"] = steps.Tokens;
        details["bucketed_padding_fraction"] = Math.Round(steps.BucketedPaddingFraction, 4);
        details["encoder_gflop_per_step"] = Math.Round(steps.EncoderGflopsPerStep, 2);
        details["encoder_seconds_per_step"] = Math.Round(steps.EncoderSecondsPerStep, 4);
        details["encoder_gflops"] = Math.Round(encoderGflops, 1);
        details["encoder_bfloat16_seconds_per_step"] = Math.Round(steps.EncoderBFloat16SecondsPerStep, 4);
        details["encoder_bfloat16_over_float32_time_cpu"] = Math.Round(steps.EncoderBFloat16SecondsPerStep / steps.EncoderSecondsPerStep, 2);
        Log($"jagged {steps.JaggedTokensPerSecond:N0} vs padded {steps.PaddedTokensPerSecond:N0} tokens/s; bucket padding {steps.BucketedPaddingFraction:P1}; encoder {encoderGflops:F1} GFLOP/s; bfloat16 products {steps.EncoderBFloat16SecondsPerStep / steps.EncoderSecondsPerStep:F2}× the float32 time");

        // 4 and 5. Serving in a fresh process.
        var serving = ServingProbe.RunInChildProcess(modelZip, data, quick ? 2_000 : 5_000);
        foreach (var (key, value) in serving)
            (key.StartsWith("prediction_p", StringComparison.Ordinal) || key is "full_eval_seconds" or "peak_working_set_mb_serving" ? figures : details)[key] = value?.DeepClone();
        Log($"serving: {serving.ToJsonString()}");

        double matmulAfter = MatmulGflops();
        double matmul = Math.Max(matmulBefore, matmulAfter);
        figures["matmul_gflops"] = Math.Round(matmul, 1);
        details["matmul_gflops_start_end"] = new JsonArray(Math.Round(matmulBefore, 1), Math.Round(matmulAfter, 1));
        figures["encoder_fraction_of_matmul_flops"] = Math.Round(encoderGflops / matmul, 3);
        // The bfloat16 option against a bfloat16 matmul: the same ratio for that number format.
        double matmulBFloat16 = MatmulGflops(ScalarType.BFloat16);
        double encoderBFloat16Gflops = steps.EncoderGflopsPerStep / steps.EncoderBFloat16SecondsPerStep;
        details["matmul_bfloat16_gflops"] = Math.Round(matmulBFloat16, 1);
        details["encoder_bfloat16_gflops"] = Math.Round(encoderBFloat16Gflops, 1);
        details["encoder_bfloat16_fraction_of_bfloat16_matmul_flops"] = Math.Round(encoderBFloat16Gflops / matmulBFloat16, 3);

        // 6. Scaling (full run only): users 1.5k → 3k → 6k of ML-1M, and max length 100 → 200 → 400 on synthetic sequences.
        if (!quick)
        {
            var users = new JsonObject();
            foreach (int count in new[] { 1_510, 3_020, 6_040 })
            {
                var subset = mlContext.Recommendation().Data.LeaveOneOutSplit(mlContext.Data.TakeRows(sequences, count));
                double seconds = TrainEpochs(mlContext, subset, "hstu", NegativeSampling.PerPosition, 2, null, validate: false).Seconds;
                users[count.ToString(CultureInfo.InvariantCulture)] = Math.Round(seconds, 2);
                Log($"scaling users {count}: {seconds:F1} s/epoch");
            }

            var lengths = new JsonObject();
            foreach (int length in new[] { 100, 200, 400 })
            {
                var synthetic = mlContext.Recommendation().Data.LeaveOneOutSplit(Synthetic(mlContext, 1_000, length + 2, 3_706, seed: 1));
                double seconds = TrainEpochs(mlContext, synthetic, "hstu", NegativeSampling.PerPosition, 2, null, validate: false, maxLength: length).Seconds;
                lengths[length.ToString(CultureInfo.InvariantCulture)] = Math.Round(seconds, 2);
                Log($"scaling length {length}: {seconds:F1} s/epoch");
            }

            figures["scaling_seconds_per_epoch_by_users"] = users;
            figures["scaling_seconds_per_epoch_by_max_length_1000_synthetic_users"] = lengths;
        }

        var json = new JsonObject
        {
            ["kind"] = "performance",
            ["dataset"] = "ml-1m-sequences",
            ["model"] = "hstu",
            ["protocol"] = "validation",
            ["quick"] = quick,
            ["config"] = new JsonObject
            {
                ["embedding_dimension"] = 50, ["blocks"] = 2, ["heads"] = 1, ["max_sequence_length"] = 200, ["batch_size"] = 128,
                ["negatives"] = 128, ["negative_sampling"] = "per-position (and shared-across-batch where named)",
            },
            ["figures"] = figures,
            ["details"] = details,
            ["run_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1),
            ["command"] = "dotnet run -c Release --project test/Microsoft.ML.GenerativeRec.Benchmarks -- perf" + (quick ? " --quick" : ""),
            ["commit"] = environment.Commit,
            ["machine"] = environment.Machine,
            ["date"] = environment.Date,
        };
        string file = ResultFiles.Write(environment.RepositoryRoot, quick ? "performance-quick.json" : "performance.json", json);
        ResultFiles.ReplaceSection(environment.RepositoryRoot, "performance-results", Section(environment.RepositoryRoot));
        Log($"wrote {Path.GetRelativePath(environment.RepositoryRoot, file)} and the performance table in docs/benchmarks.md ({total.Elapsed.TotalSeconds:F0} s)");
        return 0;
    }

    private static (double Seconds, double TokensPerSecond, double ValidationSeconds) TrainEpochs(MLContext mlContext, SequenceSplit split,
        string model, NegativeSampling sampling, int epochs, string? saveTo, bool validate = true, int maxLength = 200,
        TrainingPrecision precision = TrainingPrecision.Float32)
    {
        SequentialRecommenderTrainerOptions options = model == "hstu" ? new HstuTrainer.Options() : new SasRecTrainer.Options();
        options.NumberOfEpochs = epochs;
        options.NegativeSampling = sampling;
        options.MaxSequenceLength = maxLength;
        options.Seed = 1;
        options.Precision = precision;
        options.EarlyStoppingPatience = epochs + 1;
        // Every perf figure since issue #5 trains on length-grouped batches, the default until issue #19; they stay so,
        // to remain comparable. Random batches (the default now) take about 1.2x as long per epoch (batching-speed).
        options.GroupBatchesByLength = true;
        options.WeighTokensEqually = true;
        IDataView? validation = validate ? split.Validation : null;
        using var fitted = options switch
        {
            HstuTrainer.Options hstu => (SequentialRecommenderTransformer)mlContext.Recommendation().Trainers.Hstu(hstu).Fit(split.Train, validation),
            SasRecTrainer.Options sasrec => mlContext.Recommendation().Trainers.SasRec(sasrec).Fit(split.Train, validation),
            _ => throw new InvalidOperationException(),
        };
        if (saveTo is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(saveTo)!);
            mlContext.Model.Save(fitted, split.Test.Schema, saveTo);
        }

        // The first epoch pays for allocator and kernel warm-up; it is dropped when there are more.
        var timed = fitted.TrainingHistory!.Epochs.Skip(epochs > 1 ? 1 : 0).ToList();
        return (timed.Average(e => e.Seconds + (e.ValidationSeconds ?? 0)), timed.Average(e => e.TokensPerSecond), timed.Average(e => e.ValidationSeconds ?? 0));
    }

    private static IDataView Synthetic(MLContext mlContext, int users, int length, int items, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(1, users).Select(u => new SyntheticRow
        {
            UserId = u,
            History = [.. Enumerable.Range(0, length).Select(_ => random.Next(1, items + 1))],
        }).ToList();
        return mlContext.Data.LoadFromEnumerable(rows);
    }

    /// <summary>GFLOP/s of a 2048³ matmul (median of 5 after 2 warm-ups), TorchSharp on this machine's threads.</summary>
    private static double MatmulGflops(ScalarType type = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        var a = randn(2048, 2048).to(type);
        var b = randn(2048, 2048).to(type);
        var times = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = a.matmul(b);
            c.sum().to(ScalarType.Float32).item<float>();
            if (i >= 2)
                times.Add(clock.Elapsed.TotalSeconds);
        }

        times.Sort();
        return 2.0 * 2048 * 2048 * 2048 / times[times.Count / 2] / 1e9;
    }

    private static string Section(string root)
    {
        var text = new StringBuilder();
        foreach (var (fileName, result) in ResultFiles.ReadAll(root, "performance"))
        {
            text.AppendLine($"**[{fileName}](benchmarks/{fileName})** — `{result["command"]}`, {result["date"]}, commit `{result["commit"]}`, {result["machine"]}, {result["run_seconds"]} s in all.");
            text.AppendLine();
            var rows = new List<string[]>();
            void Flatten(string prefix, JsonObject figures)
            {
                foreach (var (key, value) in figures)
                {
                    if (value is JsonObject nested)
                        Flatten(prefix + key + " ", nested);
                    else
                        rows.Add([$"`{prefix}{key}`", value is JsonArray array
                            ? $"[{string.Join(", ", array.Select(item => item?.ToJsonString()))}]"
                            : value?.ToJsonString() ?? "–"]);
                }
            }

            Flatten("", (JsonObject)result["figures"]!);
            Flatten("", (JsonObject)result["details"]!);
            text.AppendLine(ResultFiles.Table(["figure", "value"], rows));
        }

        return text.ToString();
    }

    private static void Log(string message) => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");

    private sealed class SyntheticRow
    {
        public int UserId { get; set; }

        [VectorType]
        public int[] History { get; set; } = [];
    }
}
