using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec;

// MovieLens-1M through Microsoft.ML.GenerativeRec: load the data, turn it into user sequences, split it
// leave-one-out, score the most-popular baseline and train HSTU for a few epochs.
string dataFolder = Path.Combine("data", "ml-1m");
int epochs = 5;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length:
            dataFolder = args[++i];
            break;
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int e) && e >= 0:
            epochs = e;
            i++;
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: ./build.sh demo [--data <folder with MovieLens-1M files>] [--epochs <n, 0 = no training>]");
            Console.WriteLine("  defaults: --data data/ml-1m --epochs 5 (about 2 minutes on 2 cores; the reference trains 101)");
            return 0;
        default:
            Console.Error.WriteLine($"unknown option '{args[i]}'; try --help");
            return 2;
    }
}

// `dotnet run` starts in the project folder; resolve the default against the repository root.
if (!Path.IsPathRooted(dataFolder) && !Directory.Exists(dataFolder))
{
    string fromRoot = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", dataFolder));
    if (Directory.Exists(fromRoot))
    {
        dataFolder = fromRoot;
    }
}

if (!Directory.Exists(dataFolder))
{
    Console.Error.WriteLine($"No data folder at '{dataFolder}'. Run ./build.sh setup, or pass --data <folder>.");
    return 1;
}

var mlContext = new MLContext(seed: 1);
var rec = mlContext.Recommendation();
var clock = Stopwatch.StartNew();

var movies = MovieLens.LoadMovies(dataFolder).ToDictionary(m => m.Id, m => m.Title);
IDataView sequences;
string sequencesFile = Path.Combine(dataFolder, "sequences.all-users.txt.gz");
if (File.Exists(sequencesFile))
{
    sequences = MovieLens.LoadSequences(mlContext, sequencesFile);
    Console.WriteLine($"Loaded {Path.GetFileName(sequencesFile)} (time-ordered sequences, no timestamps) in {clock.Elapsed.TotalSeconds:F1} s");
}
else
{
    IDataView ratings = MovieLens.LoadRatings(mlContext, dataFolder);
    sequences = rec.Data.ToSequences(ratings, "UserId", "MovieId", "Timestamp");
    Console.WriteLine($"Loaded ratings and built sequences in {clock.Elapsed.TotalSeconds:F1} s");
}

var users = sequences.GetColumn<int>(ColumnNames.UserId).ToArray();
var histories = sequences.GetColumn<int[]>(ColumnNames.History).ToArray();
var lengths = histories.Select(h => h.Length).Order().ToArray();
Console.WriteLine();
Console.WriteLine("MovieLens-1M");
Console.WriteLine($"  users         {users.Length,10:N0}");
Console.WriteLine($"  interactions  {lengths.Sum(),10:N0}");
Console.WriteLine($"  items         {histories.SelectMany(h => h).Distinct().Count(),10:N0}  (of {movies.Count:N0} movies)");
Console.WriteLine($"  length        min {lengths[0]}, median {lengths[lengths.Length / 2]}, max {lengths[^1]}");
Console.WriteLine();
for (int u = 0; u < 3; u++)
{
    Console.WriteLine($"User {users[u]}: {histories[u].Length} movies, the last three:");
    foreach (int movie in histories[u][^3..])
    {
        Console.WriteLine($"    {movies.GetValueOrDefault(movie, $"movie {movie}")}");
    }
}

// The validation protocol: train on all but the last two items, stop early on the second-to-last, test on the last.
var split = rec.Data.LeaveOneOutSplit(sequences);
var baseline = rec.Trainers.MostPopular(numberOfRecommendations: 200).Fit(split.Train);
var popular = rec.Evaluate(baseline.Transform(split.Test));
Console.WriteLine();
Console.WriteLine($"Most-popular baseline on {popular.EvaluatedCount:N0} test users: HR@10 {popular.HitRate(10):F4}  NDCG@10 {popular.Ndcg(10):F4}");

if (epochs > 0)
{
    Console.WriteLine($"Training HSTU for up to {epochs} epoch(s) at the reference configuration (--epochs to change)...");
    var options = new HstuTrainer.Options
    {
        NumberOfEpochs = epochs,
        Progress = new Progress<TrainingProgress>(p =>
        {
            if (p.IsEpochEnd)
            {
                Console.WriteLine($"  {p}");
            }
        }),
    };
    using var model = rec.Trainers.Hstu(options).Fit(split.Train, split.Validation);
    var metrics = rec.Evaluate(model, split.Test);
    Console.WriteLine($"HSTU on the test users: HR@10 {metrics.HitRate(10):F4}  NDCG@10 {metrics.Ndcg(10):F4}  HR@200 {metrics.HitRate(200):F4}");
    var top = model.Transform(mlContext.Data.TakeRows(split.Test, 1)).GetColumn<int[]>(ColumnNames.PredictedItems).First();
    Console.WriteLine($"  Top 3 for user {users[0]}: {string.Join(" | ", top.Take(3).Select(m => movies.GetValueOrDefault(m, $"movie {m}")))}");
}

Console.WriteLine();
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s.");
return 0;
