using System.Diagnostics;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Benchmarks;

/// <summary>A short training run on the first users of ML-1M, printing validation metrics per epoch.</summary>
internal static class QuickRun
{
    public static void Run(string dataFolder, string model, int users, int epochs, int batchSize, double learningRate, NegativeSampling sampling,
        int dimension = 50, int blocks = 2, int heads = 1)
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = MovieLens.LoadSequences(mlContext, Path.Combine(dataFolder, "sequences.all-users.txt.gz"));
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(mlContext.Data.TakeRows(sequences, users));
        var popular = mlContext.Recommendation().Trainers.MostPopular().Fit(split.Train).Transform(split.Validation!);
        int[] labels = popular.GetColumn<int>(ColumnNames.Label).ToArray();
        double popularHitRate = popular.GetColumn<int[]>(ColumnNames.PredictedItems).Select((p, i) => p.Contains(labels[i]) ? 1.0 : 0.0).Average();
        Console.WriteLine($"{model}: D = {dimension}, {blocks} blocks, {heads} heads; {users} users, batch {batchSize}, lr {learningRate}, {sampling}; most popular validation HR@10 {popularHitRate:F4}");
        var progress = new Progress<TrainingProgress>(p => { if (p.IsEpochEnd) Console.WriteLine($"  {p}; {p.Elapsed.TotalSeconds:F1} s since the start of training (incl. validation)"); });
        var clock = Stopwatch.StartNew();
        // Length-grouped batches, the default before issue #19, so that A/B runs against older commits train alike.
        SequentialRecommenderTransformer fitted = model == "sasrec"
            ? mlContext.Recommendation().Trainers.SasRec(new SasRecTrainer.Options
            {
                NumberOfEpochs = epochs, BatchSize = batchSize, LearningRate = learningRate, NegativeSampling = sampling, Seed = 1, Progress = progress,
                GroupBatchesByLength = true, WeighTokensEqually = true,
                EmbeddingDimension = dimension, FeedForwardDimension = dimension, NumberOfBlocks = blocks, NumberOfHeads = heads,
            }).Fit(split.Train, split.Validation)
            : mlContext.Recommendation().Trainers.Hstu(new HstuTrainer.Options
            {
                NumberOfEpochs = epochs, BatchSize = batchSize, LearningRate = learningRate, NegativeSampling = sampling, Seed = 1, Progress = progress,
                GroupBatchesByLength = true, WeighTokensEqually = true,
                EmbeddingDimension = dimension, NumberOfBlocks = blocks, NumberOfHeads = heads,
            }).Fit(split.Train, split.Validation);
        using (fitted)
        {
            var metrics = mlContext.Recommendation().Evaluate(fitted, split.Test);
            Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s; test: HR@10 {metrics.HitRate(10):F4} NDCG@10 {metrics.Ndcg(10):F4} HR@50 {metrics.HitRate(50):F4}");
        }
    }
}
