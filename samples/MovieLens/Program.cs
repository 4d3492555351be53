using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec;

// MovieLens-1M through Microsoft.ML.GenerativeRec: load the data, turn it into user sequences, split it
// leave-one-out and score the most-popular baseline. Training HSTU and SASRec arrives with the trainers.
string dataFolder = Path.Combine("data", "ml-1m");
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length:
            dataFolder = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: ./build.sh demo [--data <folder with MovieLens-1M files>]   (default: data/ml-1m)");
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

// The reference protocol (hstu-spec.md §1.4): train on all but the last item, test on the last.
var split = rec.Data.LeaveOneOutSplit(sequences, LeaveOneOutProtocol.Reference);
var baseline = rec.Trainers.MostPopular(numberOfRecommendations: 10).Fit(split.Train);
var scored = baseline.Transform(split.Test);
var labels = scored.GetColumn<int>(ColumnNames.Label).ToArray();
var predicted = scored.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
double hits = 0, ndcg = 0;
for (int i = 0; i < labels.Length; i++)
{
    int rank = Array.IndexOf(predicted[i], labels[i]) + 1;
    if (rank > 0)
    {
        hits++;
        ndcg += 1 / Math.Log2(rank + 1);
    }
}

Console.WriteLine();
Console.WriteLine($"Most-popular baseline on {labels.Length:N0} test users (full ranking, last item held out, history excluded):");
Console.WriteLine($"  HR@10 {hits / labels.Length:F4}   NDCG@10 {ndcg / labels.Length:F4}");
Console.WriteLine($"  Top 3 for user {users[0]}: {string.Join(" | ", predicted[0].Take(3).Select(m => movies.GetValueOrDefault(m, $"movie {m}")))}");
Console.WriteLine();
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s. HSTU and SASRec training comes with the trainers (issue #3).");
return 0;
