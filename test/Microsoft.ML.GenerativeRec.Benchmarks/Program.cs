using Microsoft.ML.GenerativeRec;
using Microsoft.ML;
using Microsoft.ML.GenerativeRec.Benchmarks;

string data = args.Length > 1 ? args[1] : Path.Combine("data", "ml-1m");
switch (args.FirstOrDefault())
{
    case "perf":
        return Microsoft.ML.GenerativeRec.Benchmarks.Performance.PerfRun.Run(args[1..]);
    case "perf-steps":
    {
        // Only the jagged-vs-padded steps and the encoder's FLOP rate, for comparing builds: perf-steps [steps] [data folder]
        var mlContext = new Microsoft.ML.MLContext(seed: 1);
        var sequences = Microsoft.ML.GenerativeRec.MovieLens.LoadSequences(mlContext, Path.Combine(args.Length > 2 ? args[2] : Path.Combine("data", "ml-1m"), "sequences.all-users.txt.gz"));
        var train = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences).Train;
        Console.WriteLine(Microsoft.ML.GenerativeRec.Benchmarks.Performance.StepComparison.Run(train, args.Length > 1 ? int.Parse(args[1]) : 8, seed: 1));
        return 0;
    }
    case "onnx-serving":
        return Microsoft.ML.GenerativeRec.Benchmarks.Performance.OnnxServingRun.Run(args[1..]);
    case "onnx-serving-torch":
        return Microsoft.ML.GenerativeRec.Benchmarks.Performance.OnnxServingRun.RunTorchChild(args[1], args[2], int.Parse(args[3]));
    case "onnx-serving-ort":
        return Microsoft.ML.GenerativeRec.Benchmarks.Performance.OnnxServingRun.RunOnnxChild(args[1], args[2], int.Parse(args[3]));
    case "perf-serving":
        return Microsoft.ML.GenerativeRec.Benchmarks.Performance.ServingProbe.RunProbe(args[1], args[2], int.Parse(args[3]));
    case "batch-inference":
        // batch-inference [users] [history length] [items] [D] [blocks] [torch threads]: Transform streamed over synthetic users
        return Microsoft.ML.GenerativeRec.Benchmarks.Scale.BatchInferenceRun.Run(args[1..]);
    case "scoring-scale":
        // scoring-scale [D] [blocks] [heads] [history length] [item counts] [torch threads]: full-ranking cost against the catalogue size
        return Microsoft.ML.GenerativeRec.Benchmarks.Scale.ScoringScaleRun.Run(args[1..]);
    case "quality":
        return Microsoft.ML.GenerativeRec.Benchmarks.Quality.QualityRun.Run(args[1..]);
    case "batching-speed":
        return Microsoft.ML.GenerativeRec.Benchmarks.Quality.BatchingSpeed.Run(args[1..]);
    case "profile-step":
        StepProfile.Run(data, args.Length > 2 ? int.Parse(args[2]) : 5,
            args.Length > 3 ? Enum.Parse<Microsoft.ML.GenerativeRec.NegativeSampling>(args[3]) : Microsoft.ML.GenerativeRec.NegativeSampling.PerPosition);
        return 0;
    case "profile-loss":
        LossProfile.Run(args.Length > 1 ? int.Parse(args[1]) : 3, args.Length > 2 ? long.Parse(args[2]) : 15_000);
        return 0;
    case "quick":
        // quick <data> <hstu|sasrec> <users> <epochs> <batch> <lr> <sampling> [D blocks heads]
        QuickRun.Run(data, args[2], int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]),
            double.Parse(args[6], System.Globalization.CultureInfo.InvariantCulture), Enum.Parse<Microsoft.ML.GenerativeRec.NegativeSampling>(args[7]),
            args.Length > 10 ? int.Parse(args[8]) : 50, args.Length > 10 ? int.Parse(args[9]) : 2, args.Length > 10 ? int.Parse(args[10]) : 1);
        return 0;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project test/Microsoft.ML.GenerativeRec.Benchmarks -- <command>");
        Console.Error.WriteLine("  perf [--quick] [--data <ml-1m folder>]");
        Console.Error.WriteLine("  onnx-serving [ml-1m folder] [prediction calls]");
        Console.Error.WriteLine("  quality <config> [--seed <n>] [--epochs <n>] [--no-table] | quality --list | quality --table");
        Console.Error.WriteLine("  batching-speed [--rounds <n>]");
        Console.Error.WriteLine("  profile-step [data folder] [steps] [PerPosition|SharedAcrossBatch]");
        Console.Error.WriteLine("  profile-loss [repeats] [tokens]");
        Console.Error.WriteLine("  quick <data> <hstu|sasrec> <users> <epochs> <batch> <lr> <sampling> [D blocks heads]");
        Console.Error.WriteLine("  batch-inference [users] [history length] [items] [D] [blocks] [torch threads]");
        Console.Error.WriteLine("  scoring-scale [D] [blocks] [heads] [history length] [item counts, comma-separated] [torch threads]");
        return 2;
}
