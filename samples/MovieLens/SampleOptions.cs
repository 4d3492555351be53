namespace GenerativeRec.Samples;

/// <summary>The sample's command line.</summary>
internal sealed class SampleOptions
{
    public const int DefaultEpochs = 3;
    public const int ReferenceEpochs = 101;

    public string DataFolder { get; private set; } = Path.Combine("data", "ml-1m");

    public string OutputFolder { get; private set; } = Path.Combine("artifacts", "movielens-sample");

    public IReadOnlyList<string> Models { get; private set; } = ["hstu", "sasrec"];

    public int Epochs { get; private set; } = DefaultEpochs;

    /// <summary>The reference run: 101 epochs at most, early stopping on validation NDCG@10 with patience 10.</summary>
    public bool Full { get; private set; }

    public bool ShowHelp { get; private set; }

    public static void PrintHelp(TextWriter output)
    {
        output.WriteLine("""
            MovieLens-1M with Microsoft.ML.GenerativeRec: train HSTU and SASRec, compare them with a popularity
            baseline on the test users, save the HSTU model, reload it and recommend movies.

            usage: ./build.sh demo [options]     (or: dotnet run -c Release --project samples/MovieLens -- [options])

              --models <list>    hstu, sasrec or hstu,sasrec (default hstu,sasrec)
              --epochs <n>       training epochs per model (default 3: about 3 minutes for both on 2 cores)
              --full             the reference run: up to 101 epochs with early stopping (about 30 min per model)
              --data <folder>    the MovieLens-1M files (default data/ml-1m, prepared by ./build.sh setup)
              --output <folder>  where the model zip goes (default artifacts/movielens-sample)
              -h, --help         this text
            """);
    }

    /// <summary>Parses the arguments; returns null and writes the reason to <paramref name="error"/> when they are invalid.</summary>
    public static SampleOptions? Parse(string[] args, TextWriter error)
    {
        var options = new SampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "-h" or "--help":
                    options.ShowHelp = true;
                    break;
                case "--full":
                    options.Full = true;
                    options.Epochs = ReferenceEpochs;
                    break;
                case "--epochs":
                    if (!int.TryParse(Value(), out int epochs) || epochs < 1)
                    {
                        error.WriteLine("--epochs needs a positive number, e.g. --epochs 5");
                        return null;
                    }

                    options.Epochs = epochs;
                    break;
                case "--models":
                    var models = (Value() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(m => m.ToLowerInvariant()).Distinct().ToArray();
                    if (models.Length == 0 || models.Any(m => m is not ("hstu" or "sasrec")))
                    {
                        error.WriteLine("--models takes hstu, sasrec or hstu,sasrec");
                        return null;
                    }

                    options.Models = models;
                    break;
                case "--data":
                    options.DataFolder = Value() ?? options.DataFolder;
                    break;
                case "--output":
                    options.OutputFolder = Value() ?? options.OutputFolder;
                    break;
                default:
                    error.WriteLine($"Unknown option '{args[i]}'; try --help.");
                    return null;
            }
        }

        return options;
    }
}
