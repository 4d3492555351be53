using System.Diagnostics;
using GenerativeRec.Samples;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec;

// MovieLens-1M through Microsoft.ML.GenerativeRec: sequences, a leave-one-out split, a popularity baseline, HSTU and
// SASRec with a live progress bar, test metrics side by side, then save → reload → recommend titles.
var options = SampleOptions.Parse(args, Console.Error);
if (options is null)
    return 2;
if (options.ShowHelp)
{
    SampleOptions.PrintHelp(Console.Out);
    return 0;
}

string dataFolder = RepositoryPath(options.DataFolder);
if (!Directory.Exists(dataFolder))
{
    Console.Error.WriteLine($"No data folder at '{dataFolder}'. Run ./build.sh setup, or pass --data <folder with the MovieLens-1M files>.");
    return 1;
}

var clock = Stopwatch.StartNew();
var mlContext = new MLContext(seed: 1);
var rec = mlContext.Recommendation();
var titles = MovieLens.LoadMovies(dataFolder).ToDictionary(m => m.Id, m => m.Title);
string Title(int movie) => titles.GetValueOrDefault(movie, $"movie {movie}");

// The sequences file is the reference's preprocessing (time-ordered, all 6,040 users). From GroupLens's ratings.dat
// the same sequences are built here; their timestamps are dropped so that both sources train the same models
// (with timestamps, HSTU also learns from time gaps and its inputs need the time columns: see the notebooks).
string sequencesFile = Path.Combine(dataFolder, "sequences.all-users.txt.gz");
IDataView sequences;
if (File.Exists(sequencesFile))
{
    sequences = MovieLens.LoadSequences(mlContext, sequencesFile);
}
else
{
    var timed = rec.Data.ToSequences(MovieLens.LoadRatings(mlContext, dataFolder), "UserId", "MovieId", "Timestamp");
    sequences = mlContext.Transforms.DropColumns(ColumnNames.HistoryTimestamps).Fit(timed).Transform(timed);
}
var histories = sequences.GetColumn<int[]>(ColumnNames.History).ToArray();
Console.WriteLine($"MovieLens-1M: {histories.Length:N0} users, {histories.Sum(h => h.Length):N0} ratings, " +
    $"{histories.SelectMany(h => h).Distinct().Count():N0} rated movies of {titles.Count:N0} ({clock.Elapsed.TotalSeconds:F1} s to load)");

// Validation protocol: train on all but the last two movies, stop early on the second-to-last, test on the last.
var split = rec.Data.LeaveOneOutSplit(sequences);
var results = new List<(string Model, SequentialRecommendationMetrics Metrics, TimeSpan Time)>();
var popularClock = Stopwatch.StartNew();
var popular = rec.Trainers.MostPopular(numberOfRecommendations: 200).Fit(split.Train);
results.Add(("most popular", rec.Evaluate(popular.Transform(split.Test)), popularClock.Elapsed));

string epochsText = options.Full ? $"up to {options.Epochs} epochs, early stopping" : $"{options.Epochs} epoch(s)";
SequentialRecommenderTransformer? servingModel = null;
foreach (string name in options.Models)
{
    Console.WriteLine();
    Console.WriteLine($"Training {name.ToUpperInvariant()} ({epochsText}; --epochs or --full to change) ...");
    var progress = new ProgressBar(name.ToUpperInvariant());
    var trainClock = Stopwatch.StartNew();
    SequentialRecommenderTransformer model = name == "hstu"
        ? rec.Trainers.Hstu(new HstuTrainer.Options { NumberOfEpochs = options.Epochs, Progress = progress }).Fit(split.Train, split.Validation)
        : rec.Trainers.SasRec(new SasRecTrainer.Options { NumberOfEpochs = options.Epochs, Progress = progress }).Fit(split.Train, split.Validation);
    progress.Finish();
    var trainTime = trainClock.Elapsed;
    var history = model.TrainingHistory;
    Console.WriteLine($"  {history.EpochsRun} epoch(s) in {trainTime.TotalSeconds:F0} s; best validation NDCG@10 {history.BestValidationNdcgAt10:F4} at epoch {history.BestEpoch}");
    results.Add((name.ToUpperInvariant(), rec.Evaluate(model, split.Test), trainTime));
    if (servingModel is null)
        servingModel = model;
    else
        model.Dispose();
}

Console.WriteLine();
Console.WriteLine($"Test metrics ({results[0].Metrics.EvaluatedCount:N0} users, full ranking of every movie, watched movies excluded):");
Console.WriteLine($"  {"model",-14} {"HR@10",7} {"NDCG@10",8} {"HR@50",7} {"HR@200",7} {"MRR",7} {"train time",11}");
foreach (var (model, m, time) in results)
    Console.WriteLine($"  {model,-14} {m.HitRate(10),7:F4} {m.Ndcg(10),8:F4} {m.HitRate(50),7:F4} {m.HitRate(200),7:F4} {m.MeanReciprocalRank,7:F4} {time.TotalSeconds,9:F0} s");

if (servingModel is not null)
{
    // Save, reload as a new process would, and recommend for a few users next to what they watched last.
    string outputFolder = RepositoryPath(options.OutputFolder);
    Directory.CreateDirectory(outputFolder);
    string modelPath = Path.Combine(outputFolder, $"{options.Models[0]}.zip");
    mlContext.Model.Save(servingModel, split.Test.Schema, modelPath);
    servingModel.Dispose();
    var loaded = mlContext.Model.Load(modelPath, out _);
    Console.WriteLine();
    Console.WriteLine($"Saved {Path.GetFileName(modelPath)} ({new FileInfo(modelPath).Length / 1024:N0} KB) to {outputFolder}, reloaded it:");
    var engine = mlContext.Model.CreatePredictionEngine<HistoryInput, RecommendationOutput>(loaded);
    foreach (var row in mlContext.Data.CreateEnumerable<TestRow>(split.Test, reuseRowObject: false).Take(3))
    {
        var output = engine.Predict(new HistoryInput { History = row.History });
        Console.WriteLine();
        Console.WriteLine($"User {row.UserId} watched last:");
        foreach (int movie in row.History[^Math.Min(5, row.History.Length)..])
            Console.WriteLine($"    {Title(movie)}");
        Console.WriteLine($"  recommended (held-out next movie: {Title(row.Label)}):");
        for (int i = 0; i < Math.Min(10, output.PredictedItems.Length); i++)
        {
            string hit = output.PredictedItems[i] == row.Label ? "  <- the held-out movie" : "";
            Console.WriteLine($"   {i + 1,2}. {Title(output.PredictedItems[i])} ({output.Scores[i]:F3}){hit}");
        }
    }
}

Console.WriteLine();
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0} s.");
return 0;

// `dotnet run` starts in the project folder: resolve relative paths against the repository root when that exists.
static string RepositoryPath(string path)
{
    if (Path.IsPathRooted(path) || Directory.Exists(path))
        return Path.GetFullPath(path);
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ML.GenerativeRec.sln")))
            return Path.Combine(dir.FullName, path);
    }

    return Path.GetFullPath(path);
}

/// <summary>One test row: the user, their history (oldest first) and the held-out next movie.</summary>
internal sealed class TestRow
{
    public int UserId { get; set; }

    [VectorType]
    public int[] History { get; set; } = [];

    public int Label { get; set; }
}

/// <summary>What the model reads to recommend: a user's movie history.</summary>
internal sealed class HistoryInput
{
    [VectorType]
    public int[] History { get; set; } = [];
}

/// <summary>What the model returns: movie ids, best first, and their scores.</summary>
internal sealed class RecommendationOutput
{
    [VectorType]
    public int[] PredictedItems { get; set; } = [];

    [VectorType]
    public float[] Scores { get; set; } = [];
}
