using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Benchmarks.Reporting;
using Microsoft.ML.GenerativeRec.Jagged;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Quality;

/// <summary>
/// The speed side of the batching experiment (issue #19): one training epoch of the reference HSTU per batching, the
/// batchings alternated over rounds in one process, so they share the machine's load; and the padded share of each
/// batching's token slots, computed exactly from the sampler.
/// </summary>
internal static class BatchingSpeed
{
    private static readonly (string Name, bool Grouped, int GroupBatches)[] Arms =
    [
        ("random", false, 1), ("groups-512", true, 4), ("groups-1024", true, 8), ("groups-4096", true, 32),
    ];

    public static int Run(string[] args)
    {
        var environment = BenchmarkEnvironment.Capture();
        string data = Path.Combine(environment.RepositoryRoot, "data", "ml-1m");
        int rounds = 2;
        string name = "batching-speed";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length: data = args[++i]; break;
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--name" when i + 1 < args.Length: name = args[++i]; break;       // the result file's name, without .json
                default:
                    Console.Error.WriteLine("usage: batching-speed [--rounds <n>] [--name <file name>] [--data <ml-1m folder>]");
                    return 2;
            }
        }

        var mlContext = new MLContext(seed: 1);
        var rec = mlContext.Recommendation();
        var split = rec.Data.LeaveOneOutSplit(MovieLens.LoadSequences(mlContext, Path.Combine(data, "sequences.all-users.txt.gz")), LeaveOneOutProtocol.Validation);
        int[] lengths = [.. split.Train.GetColumn<int[]>(ColumnNames.History).Select(h => Math.Min(h.Length, 200)).Where(l => l > 0)];

        var arms = new JsonObject();
        foreach (var arm in Arms)
        {
            // Padded slots over the first 10 epochs: each batch is padded to its longest history.
            var sampler = new LengthBucketedBatchSampler(lengths, 128, seed: 1, bucketBatches: arm.GroupBatches);
            long slots = 0, tokens = 0;
            for (int epoch = 0; epoch < 10; epoch++)
            {
                foreach (int[] batch in sampler.GetBatches(epoch))
                {
                    slots += (long)batch.Length * batch.Max(i => lengths[i]);
                    tokens += batch.Sum(i => (long)lengths[i]);
                }
            }

            arms[arm.Name] = new JsonObject { ["padding_fraction"] = Math.Round(1 - (double)tokens / slots, 4), ["seconds"] = new JsonArray() };
        }

        for (int round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? Arms : [.. Arms.Reverse()];
            foreach (var arm in order)
            {
                var options = new HstuTrainer.Options
                {
                    NumberOfEpochs = 1, Seed = 1, GroupBatchesByLength = arm.Grouped, LengthGroupBatches = arm.GroupBatches,
                    WeighTokensEqually = arm.Grouped,
                };
                using var model = rec.Trainers.Hstu(options).Fit(split.Train);
                var epoch = model.TrainingHistory!.Epochs[0];
                ((JsonArray)arms[arm.Name]!["seconds"]!).Add(Math.Round(epoch.Seconds, 2));
                Console.WriteLine($"round {round + 1}, {arm.Name}: {epoch.Seconds:F1} s, {epoch.TokensPerSecond:F0} tokens/s");
            }
        }

        foreach (var arm in Arms)
        {
            var seconds = ((JsonArray)arms[arm.Name]!["seconds"]!).Select(s => (double)s!).ToList();
            arms[arm.Name]!["mean_seconds"] = Math.Round(seconds.Average(), 2);
        }

        var json = new JsonObject
        {
            ["kind"] = "batching-speed",
            ["description"] = "HSTU, reference configuration, ML-1M validation-protocol training rows (6,040 users), one training epoch per batching " +
                "(no validation pass), batchings alternated over rounds in one process; padding_fraction = padded share of the token slots over 10 epochs",
            ["rounds"] = rounds,
            ["load_average_at_end"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
            ["arms"] = arms,
            ["command"] = "dotnet run -c Release --project test/Microsoft.ML.GenerativeRec.Benchmarks -- batching-speed " + string.Join(' ', args),
            ["commit"] = environment.Commit,
            ["machine"] = environment.Machine,
            ["date"] = environment.Date,
        };
        string file = ResultFiles.Write(environment.RepositoryRoot, name + ".json", json);
        Console.WriteLine($"wrote {Path.GetRelativePath(environment.RepositoryRoot, file)}");
        return 0;
    }
}
